"""relu-course bench: what it measures and reports. Nothing here asserts a speed."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from relu_course.bench import BenchResult, FusionResult, parse_size, run_bench, run_fusion
from relu_course.cli import main


@pytest.fixture(scope="module")
def small_run():
    return run_bench("cpu", "float32", size=4096, repeats=1, warmup=0)


def test_every_implementation_and_baseline_is_measured(small_run):
    names = {m.name for m in small_run.measurements}
    for expected in (
        "np.copyto(y, x)", "relu(x, out=y)", "relu(x)", "np.maximum(x, 0, out=y)",
        "np.multiply(x, x > 0, out=y)", "np.where(x > 0, x, 0)", "relu_backward(dout, cache)",
        "y.copy_(x)", "torch.relu(x)", "torch.clamp_min(x, 0, out=y)", "ReLUFunction.apply(x)",
        "threshold_backward(g, out, 0, grad_input=dx)", "ReLUFunction backward",
        "sigmoid(x)", "tanh(x)", "gelu(x)", "elu(x)", "torch.sigmoid(x)", "F.gelu(x)",
    ):  # fmt: skip
        assert expected in names
    assert not any(m.library == "triton" for m in small_run.measurements)  # no CUDA here


def test_ratios_are_bandwidth_over_the_same_runs_copy(small_run):
    by_name = {m.name: m for m in small_run.measurements}
    assert by_name["np.copyto(y, x)"].ratio == by_name["y.copy_(x)"].ratio == 1.0
    for m in small_run.measurements:
        assert m.baseline == ("np.copyto(y, x)" if m.name in NUMPY_CASES else "y.copy_(x)")
        assert m.bytes == (3 if m.direction == "backward" else 2) * 4096 * 4
        assert m.gb_per_s == pytest.approx(m.bytes / m.seconds / 1e9)
        assert m.ratio == pytest.approx(m.gb_per_s / by_name[m.baseline].gb_per_s)


NUMPY_CASES = {
    "np.copyto(y, x)", "x.copy()", "relu(x, out=y)", "relu(x)",
    "relu_backward(dout, cache, out=dx)", "np.maximum(x, 0, out=y)",
    "np.maximum(x, 0)", "np.multiply(x, x > 0, out=y)", "np.where(x > 0, x, 0)",
    "relu_backward(dout, cache)", "dout * (x > 0)", "sigmoid(x)", "tanh(x)", "gelu(x)", "elu(x)",
}  # fmt: skip


def test_metadata_says_where_and_when(small_run):
    data = small_run.to_json()
    assert data["device"] == "cpu"
    assert data["dtype"] == "float32"
    assert data["size"] == 4096
    assert {"python", "numpy", "torch"} <= data["versions"].keys()
    assert {"platform", "cpus"} <= data["machine"].keys()
    assert data["date"].endswith("+00:00")


def test_bfloat16_measures_torch_only():
    run = run_bench("cpu", "bfloat16", size=1024, repeats=1, warmup=0)
    assert {m.library for m in run.measurements} == {"torch", "course"}
    assert all(m.bytes in (2 * 1024 * 2, 3 * 1024 * 2) for m in run.measurements)


@pytest.mark.parametrize(
    ("text", "count"), [("64M", 64 * 2**20), ("1e6", 10**6), ("4096", 4096), ("2k", 2048)]
)
def test_parse_size(text, count):
    assert parse_size(text) == count


@pytest.mark.parametrize("text", ["", "-3", "0", "1.5", "lots", "3T"])
def test_parse_size_refuses_nonsense(text):
    with pytest.raises(ValueError, match="size"):
        parse_size(text)


def test_bad_settings_are_clear_errors():
    with pytest.raises(ValueError, match="device must be cpu or cuda"):
        run_bench("tpu")
    with pytest.raises(ValueError, match="dtype must be one of"):
        run_bench("cpu", "int8")
    import torch

    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA device"):
            run_bench("cuda", size=16)


def test_cli_prints_a_table_and_writes_json(tmp_path, capsys):
    out = tmp_path / "bench.json"
    assert main(["bench", "--size", "2K", "--repeats", "1", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "relu(x, out=y)" in printed
    assert "ratio" in printed
    data = json.loads(out.read_text())
    assert data["size"] == 2048
    assert len(data["measurements"]) >= 20
    assert main(["bench", "--size", "zero"]) == 2


def test_a_saved_result_loads_back_equal(small_run, tmp_path):
    path = tmp_path / "bench.json"
    small_run.save(path)
    loaded = BenchResult.load(path)
    assert loaded == small_run
    assert loaded.table() == small_run.table()
    assert loaded.table().count("\n") == len(small_run.measurements) + 1


def test_loading_something_else_is_a_clear_error(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("{not json")
    with pytest.raises(ValueError, match="not a result of relu-course bench"):
        BenchResult.load(path)
    path.write_text('{"date": "today"}')
    with pytest.raises(ValueError, match="KeyError"):
        BenchResult.load(path)


def test_a_sample_of_several_calls_reports_the_time_of_one(monkeypatch):
    # A fake clock: every call of the function takes 3 "seconds", reading the clock is free.
    from relu_course import bench

    clock = [0.0]
    monkeypatch.setattr(bench.time, "perf_counter", lambda: clock[0])
    log: list[str] = []

    def work() -> None:
        clock[0] += 3.0
        log.append("call")

    seconds = bench._median_seconds([work], lambda: log.append("sync"), 2, 4, calls=5)
    assert seconds == [3.0]
    assert log.count("call") == 2 + 4 * 5
    # Synchronised before and after each sample, never between its calls.
    assert "".join(x[0] for x in log[2:]) == "s" + ("s" + "c" * 5 + "s") * 4


def test_large_arrays_get_a_copy_split_as_the_relu_is_and_the_faster_copy_is_the_baseline(
    monkeypatch,
):
    from relu_course.numpy_nn import _parallel

    # The split's threshold lowered so that a small array takes the threaded path.
    monkeypatch.setattr(_parallel, "PARALLEL_MIN", 4 * _parallel.ROW)
    monkeypatch.setattr(_parallel, "threads", lambda: 2)
    run = run_bench("cpu", "float32", size=4 * _parallel.ROW, repeats=1, warmup=0)
    by_name = {m.name: m for m in run.measurements}
    copies = ["np.copyto(y, x)", "np.copyto(y, x), 2 threads"]
    fastest = max(copies, key=lambda name: by_name[name].gb_per_s)
    assert by_name[fastest].ratio == 1.0
    assert by_name["relu(x, out=y)"].baseline == fastest
    assert "np.copyto(y, x), 2 threads" in run.table()


def _expected(function: str, direction: str, x, dout):
    """What a case of this function and direction must return, from NumPy or torch."""
    import torch
    import torch.nn.functional as F

    if function == "copy":
        return x
    if function == "relu":
        return np.maximum(x, 0) if direction == "forward" else dout * (x > 0)
    t = torch.from_numpy(x)
    return {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "gelu": F.gelu, "elu": F.elu}[function](
        t
    ).numpy()


@pytest.mark.parametrize("device", ["cpu", pytest.param("cuda", marks=pytest.mark.gpu)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_every_case_computes_what_its_name_says(dtype, device, monkeypatch):
    # A case that did nothing, or something cheaper, would be timed as fast as memory.
    from relu_course import bench
    from relu_course.numpy_nn import _parallel

    monkeypatch.setattr(_parallel, "PARALLEL_MIN", 4 * _parallel.ROW)  # the split copy too
    x, dout = bench._numpy_inputs(4 * _parallel.ROW + 3, dtype)
    cases = bench._numpy_cases(x, dout) if device == "cpu" else []
    cases += bench._torch_cases(*(torch.from_numpy(a).to(device) for a in (x, dout)))
    assert len({c.name for c in cases}) == len(cases) > (25 if device == "cpu" else 13)
    if device == "cuda":  # where Triton is, its kernels are cases too
        from relu_course.torch_nn import triton

        assert any(c.library == "triton" for c in cases) == triton.available()
    for case in cases:
        # Run twice, the first result spoiled in between: a case writing into an existing
        # array must write it again, not return what an earlier case left there.
        case.fn()[...] = np.nan
        got = case.fn()
        got = got.cpu().numpy() if isinstance(got, torch.Tensor) else got
        assert isinstance(got, np.ndarray), case.name
        assert got.dtype == x.dtype, case.name
        rtol = 1e-12 if case.function in ("copy", "relu") else 1e-5
        np.testing.assert_allclose(
            got,
            _expected(case.function, case.direction, x, dout),
            rtol=rtol,
            atol=rtol,
            err_msg=case.name,
        )


# --------------------------------------------------------------------------- --fusion


@pytest.fixture(scope="module")
def fusion_run():
    return run_fusion("cpu", "float32", size=64, repeats=1, warmup=0)


def test_fusion_times_the_product_with_and_without_relu(fusion_run):
    rows = {r.name: r for r in fusion_run.rows}
    assert [r.relu for r in fusion_run.rows] == ["none", "separate", "epilogue", "alone"]
    assert rows["torch.addmm(b, x, w)"].ratio == 1.0
    product = rows["torch.addmm(b, x, w)"].seconds
    for r in fusion_run.rows:
        assert r.seconds > 0
        assert r.ratio == pytest.approx(r.seconds / product)
    assert fusion_run.size == 64
    assert "b + x @ w with x and w 64 x 64" in fusion_run.table()
    assert fusion_run.table().count("\n") == len(fusion_run.rows) + 2


@pytest.mark.parametrize("device", ["cpu", pytest.param("cuda", marks=pytest.mark.gpu)])
@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_every_fusion_case_computes_what_its_name_says(device, dtype):
    from relu_course.bench import _fusion_cases

    gen = torch.Generator(device=device).manual_seed(1)
    kind = getattr(torch, dtype)
    x, w = (torch.randn(48, 48, generator=gen, device=device).to(kind) for _ in range(2))
    b = torch.randn(48, generator=gen, device=device).to(kind)
    product = (x.double() @ w.double() + b.double()).to(kind)
    loose = dtype == "bfloat16"
    tolerance = {"rtol": 2e-2, "atol": 5e-2} if loose else {"rtol": 1e-4, "atol": 1e-4}
    results = {name: fn() for name, _, fn in _fusion_cases(x, w, b)}
    torch.testing.assert_close(results["torch.addmm(b, x, w)"], product, **tolerance)
    for name in ("torch.relu(torch.addmm(b, x, w))", "torch._addmm_activation(b, x, w)"):
        torch.testing.assert_close(results[name], torch.relu(product), **tolerance)
        assert (results[name] >= 0).all(), name
    assert torch.equal(results["torch.relu(y)"], torch.relu(results["torch.addmm(b, x, w)"]))


def test_fusion_refuses_bad_settings():
    with pytest.raises(ValueError, match="at least 2"):
        run_fusion("cpu", "float32", size=1)
    with pytest.raises(ValueError, match="device must be cpu or cuda"):
        run_fusion("tpu")
    with pytest.raises(ValueError, match="dtype must be one of"):
        run_fusion("cpu", "int8")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA device"):
            run_fusion("cuda")


def test_a_fusion_result_saves_and_loads_but_is_not_a_bandwidth_result(fusion_run, tmp_path):
    path = tmp_path / "fusion.json"
    fusion_run.save(path)
    assert FusionResult.load(path) == fusion_run
    with pytest.raises(ValueError, match="not a result of relu-course bench"):
        BenchResult.load(path)


def test_cli_fusion_prints_and_writes_json(tmp_path, capsys):
    out = tmp_path / "fusion.json"
    assert main(["bench", "--fusion", "--size", "32", "--repeats", "1", "--json", str(out)]) == 0
    assert "torch._addmm_activation(b, x, w)" in capsys.readouterr().out
    assert json.loads(out.read_text())["size"] == 32
    assert main(["bench", "--fusion", "--size", "1"]) == 2


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_on_cuda_the_fused_form_is_one_kernel_and_the_separate_form_two(dtype):
    # What chapter 3 says of the fused form: the ReLU runs inside the product's kernel.
    from torch.profiler import ProfilerActivity, profile

    from relu_course.bench import _fusion_cases

    kind = getattr(torch, dtype)
    x, w = (torch.randn(2048, 2048, device="cuda", dtype=kind) for _ in range(2))
    b = torch.randn(2048, device="cuda", dtype=kind)
    launched = {}
    for _, relu, fn in _fusion_cases(x, w, b):
        fn()
        torch.cuda.synchronize()
        with profile(activities=[ProfilerActivity.CUDA]) as prof:
            fn()
            torch.cuda.synchronize()
        kernels = [e.name for e in prof.events() if e.device_type.name == "CUDA"]
        launched[relu] = [k for k in kernels if not k.startswith("Memset")]
    assert len(launched["none"]) == 1, launched
    assert len(launched["separate"]) == 2, launched
    assert len(launched["epilogue"]) == 1, launched
