#!/usr/bin/env bash
# The course's GPU checks in one run, for a machine with a CUDA device whose python3 holds torch
# and Triton (the project's device machine is such a one; nothing is installed here):
#   1. every test marked `gpu`, and the Triton kernel tests, which run compiled there;
#   2. `relu-course bench --device cuda` in float32 and bfloat16;
#   3. `relu-course bench --fusion --device cuda` (a ReLU after a matrix product, separate and
#      fused) in float32 and bfloat16.
# Writes to $OUT (default benchmarks/results): gpu.txt, gpu_tests.log, bench_cuda_float32.json,
# bench_cuda_bfloat16.json, fusion_cuda_float32.json, fusion_cuda_bfloat16.json. Commit the JSON
# files under book/data/, then `make execute`: chapters 03 and 08 print them as recorded
# measurements.
# Exit status: 0 when every step passed, 1 when one failed (the later steps still run), 2 when
# there is no CUDA device.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-benchmarks/results}
py=${PYTHON:-python3}
mkdir -p "$out"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1

"$py" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else "no CUDA device")' || exit 2
"$py" -c 'import torch, triton, numpy; print("torch", torch.__version__, "triton", triton.__version__,
"numpy", numpy.__version__, "gpu", torch.cuda.get_device_name())' | tee "$out/gpu.txt"
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.memory --format=csv \
  | tee -a "$out/gpu.txt" || true

status=0
# Only the modules that hold gpu tests: the others need Jupyter, which a GPU image may lack.
# addopts is emptied for the same reason (it turns on nbval and the doctests).
mapfile -t files < <(grep -l "mark.gpu" -r tests --include='test_*.py' | sort)
pytest=("$py" -m pytest -p no:cacheprovider -o addopts= --strict-markers -ra)
{ # a pipeline's part runs in a subshell: it reports its status by exiting with it
  s=0
  "${pytest[@]}" -m gpu "${files[@]}" || s=1
  # Device-neutral: compiled on CUDA here, interpreted on the CPU elsewhere.
  "${pytest[@]}" tests/torch_nn/test_triton.py -m "not gpu" || s=1
  exit "$s"
} 2>&1 | tee "$out/gpu_tests.log"
((PIPESTATUS[0] == 0)) || status=1

for dtype in float32 bfloat16; do
  "$py" -m relu_course.cli bench --device cuda --dtype "$dtype" \
    --json "$out/bench_cuda_$dtype.json" || status=1
done
for dtype in float32 bfloat16; do
  "$py" -m relu_course.cli bench --fusion --device cuda --dtype "$dtype" \
    --json "$out/fusion_cuda_$dtype.json" || status=1
done
exit "$status"
