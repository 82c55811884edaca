"""``relu-course bench``: how close each ReLU implementation comes to the memory-bandwidth limit.

An elementwise ReLU does almost no arithmetic; its cost is reading the input and writing the
output. So each implementation is timed against a *copy* of the same bytes, measured in the
same run: a ratio near 1 means the implementation runs at the speed of memory, and no
implementation of an elementwise function can do better.

Bytes moved are counted as the data read plus the data written: ``2 n`` elements for a forward
pass, ``3 n`` for a backward pass (it reads the upstream gradient and the saved output). The
baseline is the library's fastest copy into an existing array: ``Tensor.copy_`` for torch
(threaded already), and for NumPy the faster of ``np.copyto`` (one core) and ``np.copyto``
split across threads as the course's ReLU is. An implementation that allocates its result pays
for the new memory (page faults, on a CPU), and its ratio shows it; ``ndarray.copy`` and
``Tensor.clone`` are timed too, to show what allocation alone costs.
Each timing is the median of ``repeats`` runs after ``warmup`` runs, the implementations
timed in turn, round after round, so that a drift of the machine's speed during the run touches
them and the baselines alike (those writing into existing arrays in one group, the allocating
ones in another). On CUDA a run is :data:`CUDA_CALLS_PER_SAMPLE` calls in a row, synchronised
before and after, so that launching kernels costs no time the GPU could spend moving bytes.
"""

from __future__ import annotations

import functools
import json
import platform
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["CUDA_CALLS_PER_SAMPLE", "BenchResult", "Measurement", "parse_size", "run_bench"]

_NUMPY_DTYPES = {"float16": np.float16, "float32": np.float32, "float64": np.float64}
_DTYPES = ("float16", "bfloat16", "float32", "float64")
#: Calls per timed sample on CUDA: kernels queue back to back, so the first launch and the
#: synchronisation (tens of microseconds of CPU time) do not count against a 64M-element ReLU
#: (0.06 ms in bfloat16 on an H200). With 10 calls a sample the course's Triton forward pass read
#: 0.93 of the copy there in bfloat16; with 50 and with 200, 1.00.
CUDA_CALLS_PER_SAMPLE = 50


@dataclass(frozen=True)
class Measurement:
    """One implementation's timing.

    Attributes:
        name: what was timed, as code.
        library: ``numpy``, ``torch``, ``course`` or ``triton``.
        function: ``relu``, ``copy``, ``sigmoid``, ...
        direction: ``forward`` or ``backward``.
        allocates: whether the result is a new array (else written into an existing one).
        seconds: median time of one call.
        bytes: bytes read plus bytes written by one call.
        gb_per_s: ``bytes / seconds / 1e9``.
        ratio: ``gb_per_s`` over that of the library's copy into an existing array.
        baseline: the name of that copy.
    """

    name: str
    library: str
    function: str
    direction: str
    allocates: bool
    seconds: float
    bytes: int
    gb_per_s: float
    ratio: float
    baseline: str


@dataclass(frozen=True)
class BenchResult:
    """A whole run: the machine, the versions, the settings and the measurements."""

    date: str
    machine: dict[str, str]
    versions: dict[str, str]
    device: str
    dtype: str
    size: int
    repeats: int
    measurements: list[Measurement]

    def to_json(self) -> dict[str, Any]:
        """The result as JSON-able data."""
        return asdict(self)

    def save(self, path: str | Path) -> None:
        """Write the result as indented JSON, the file :meth:`load` reads."""
        Path(path).write_text(json.dumps(self.to_json(), indent=2) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> BenchResult:
        """Read a result written by ``relu-course bench --json``.

        Args:
            path: the JSON file.

        Returns:
            The result, with its measurements as :class:`Measurement` objects.

        Raises:
            ValueError: the file is not JSON, or not a bench result (a field missing or unknown).
        """
        try:
            data = json.loads(Path(path).read_text())
            fields = {**data, "measurements": [Measurement(**m) for m in data["measurements"]]}
            return cls(**fields)
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise ValueError(
                f"{path}: not a result of relu-course bench --json "
                f"({type(error).__name__}: {error})"
            ) from error

    def table(self) -> str:
        """The measurements as a plain-text table, one implementation a line, with a header."""
        width = max(len(m.name) for m in self.measurements)
        lines = [
            f"{self.device}, {self.dtype}, {self.size:,} elements, median of {self.repeats}; "
            "ratio = GB/s over the library's fastest copy into an existing array in this run ("
            + ", ".join(sorted({m.baseline for m in self.measurements}))
            + ")",
            f"{'implementation':<{width}}  {'pass':<8}  {'alloc':<5}  {'GB/s':>8}  {'ratio':>6}",
        ]
        for m in self.measurements:
            alloc = "yes" if m.allocates else "no"
            lines.append(
                f"{m.name:<{width}}  {m.direction:<8}  {alloc:<5}  {m.gb_per_s:>8.1f}  "
                f"{m.ratio:>6.2f}"
            )
        return "\n".join(lines)


def parse_size(text: str) -> int:
    """Parse an element count such as ``64M``, ``1e6``, ``4096`` or ``2K`` (K, M, G: 2**10...).

    Raises:
        ValueError: not a positive count.

    Example:
        >>> parse_size("64M"), parse_size("1e6"), parse_size("2K")
        (67108864, 1000000, 2048)
    """
    match = re.fullmatch(r"\s*([0-9.eE+]+)\s*([kKmMgG]?)\s*", text)
    if not match:
        raise ValueError(f"size {text!r}: give a count such as 64M, 1e6 or 4096")
    number = float(match[1]) * 2 ** (10 * " kmg".index(match[2].lower() or " "))
    if number < 1 or number != int(number):
        raise ValueError(f"size {text!r} must be a positive whole number of elements")
    return int(number)


def _no_sync() -> None:
    """Nothing to wait for on the CPU."""


def _median_seconds(
    fns: list[Callable[[], Any]],
    sync: Callable[[], None],
    warmup: int,
    repeats: int,
    calls: int = 1,
) -> list[float]:
    """Median time of one call of each function, timed round-robin.

    Each round times every function once, so a drift of the machine's speed during the run
    (other tenants, memory placement) affects implementations and baselines alike. A sample
    times ``calls`` calls in a row and divides by ``calls``: on a GPU, where one call takes a
    tenth of a millisecond, that hides the cost of launching and synchronising behind the work.
    """
    for fn in fns:
        for _ in range(warmup):
            fn()
    sync()
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for fn, samples in zip(fns, times, strict=True):
            sync()
            start = time.perf_counter()
            for _ in range(calls):
                fn()
            sync()
            samples.append((time.perf_counter() - start) / calls)
    return [statistics.median(samples) for samples in times]


@dataclass(frozen=True)
class _Case:
    name: str
    fn: Callable[[], Any]  # returns what it computed (tests check it is what the name says)
    library: str
    family: str  # whose copy is the baseline: numpy or torch
    function: str = "relu"
    direction: str = "forward"
    allocates: bool = True
    streams: int = 2  # arrays of n elements read or written by one call


def _numpy_inputs(n: int, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    """The input and the upstream gradient of the NumPy cases: ``n`` normal samples each."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(n).astype(_NUMPY_DTYPES[dtype])
    return x, rng.standard_normal(n).astype(x.dtype)


def _numpy_cases(x: np.ndarray, dout: np.ndarray) -> list[_Case]:
    from relu_course.numpy_nn import _parallel
    from relu_course.numpy_nn import activations as act

    n = x.size
    y, dx, cache = np.empty_like(x), np.empty_like(x), act.relu(x)
    numpy = functools.partial(_Case, library="numpy", family="numpy")
    course = functools.partial(_Case, library="course", family="numpy")

    def copy() -> np.ndarray:
        np.copyto(y, x)
        return y

    def copy_in_parts() -> np.ndarray:
        _parallel.in_parts(n, lambda lo, hi: np.copyto(y[lo:hi], x[lo:hi]))
        return y

    # The copy split as the course's ReLU splits: only where it splits (large arrays, 2+ cores).
    parts = _parallel.threads() if n >= _parallel.PARALLEL_MIN else 1
    split_copy = [numpy(f"np.copyto(y, x), {parts} threads", copy_in_parts, function="copy",
                        allocates=False)] if parts > 1 else []  # fmt: skip
    return [
        numpy("np.copyto(y, x)", copy, function="copy", allocates=False),
        *split_copy,
        course("relu(x, out=y)", lambda: act.relu(x, out=y), allocates=False),
        course("relu_backward(dout, cache, out=dx)",
               lambda: act.relu_backward(dout, cache, out=dx),
               direction="backward", allocates=False, streams=3),
        numpy("np.maximum(x, 0, out=y)", lambda: np.maximum(x, 0, out=y), allocates=False),
        numpy("np.multiply(x, x > 0, out=y)", lambda: np.multiply(x, x > 0, out=y),
              allocates=False),
        numpy("x.copy()", lambda: x.copy(), function="copy"),
        course("relu(x)", lambda: act.relu(x)),
        numpy("np.maximum(x, 0)", lambda: np.maximum(x, 0)),
        numpy("np.where(x > 0, x, 0)", lambda: np.where(x > 0, x, 0)),
        course("relu_backward(dout, cache)", lambda: act.relu_backward(dout, cache),
               direction="backward", streams=3),
        numpy("dout * (x > 0)", lambda: dout * (x > 0), direction="backward", streams=3),
        course("sigmoid(x)", lambda: act.sigmoid(x), function="sigmoid"),
        course("tanh(x)", lambda: act.tanh(x), function="tanh"),
        course("gelu(x)", lambda: act.gelu(x), function="gelu"),
        course("elu(x)", lambda: act.elu(x), function="elu"),
    ]  # fmt: skip


def _torch_inputs(n: int, dtype: str, device: str) -> tuple[Any, Any]:
    """The input and the upstream gradient of the torch cases: ``n`` normal samples each."""
    import torch

    gen = torch.Generator(device=device).manual_seed(0)
    x = torch.randn(n, generator=gen, device=device).to(getattr(torch, dtype))
    return x, torch.randn(n, generator=gen, device=device).to(x.dtype)


def _torch_cases(x: Any, g: Any) -> list[_Case]:
    import torch
    import torch.nn.functional as F

    from relu_course.torch_nn import autograd, triton

    y, dx, out = torch.empty_like(x), torch.empty_like(x), torch.relu(x)
    leaf = x.clone().requires_grad_()
    course_out = autograd.relu(leaf)
    pt = functools.partial(_Case, library="torch", family="torch")
    course = functools.partial(_Case, library="course", family="torch")
    cases = [
        pt("y.copy_(x)", lambda: y.copy_(x), function="copy", allocates=False),
        pt("torch.clamp_min(x, 0, out=y)", lambda: torch.clamp_min(x, 0, out=y), allocates=False),
        pt("threshold_backward(g, out, 0, grad_input=dx)",
           lambda: torch.ops.aten.threshold_backward.grad_input(g, out, 0, grad_input=dx),
           direction="backward", allocates=False, streams=3),
        pt("x.clone()", lambda: x.clone(), function="copy"),
        pt("torch.relu(x)", lambda: torch.relu(x)),
        pt("F.relu(x)", lambda: F.relu(x)),
        pt("x * (x > 0)", lambda: x * (x > 0)),
        pt("torch.where(x > 0, x, 0)", lambda: torch.where(x > 0, x, 0)),
        course("ReLUFunction.apply(x)", lambda: autograd.relu(x)),
        course("ReLUFunction backward",
               lambda: torch.autograd.grad(course_out, leaf, g, retain_graph=True)[0],
               direction="backward", streams=3),
        pt("torch.sigmoid(x)", lambda: torch.sigmoid(x), function="sigmoid"),
        pt("torch.tanh(x)", lambda: torch.tanh(x), function="tanh"),
        pt("F.gelu(x)", lambda: F.gelu(x), function="gelu"),
        pt("F.elu(x)", lambda: F.elu(x), function="elu"),
    ]  # fmt: skip
    if x.is_cuda and triton.supports(x):
        tr = functools.partial(_Case, library="triton", family="torch")
        cases += [
            tr("triton relu_forward(x)", lambda: triton.relu_forward(x)),
            tr("triton relu_backward(g, out)", lambda: triton.relu_backward(g, out),
               direction="backward", streams=3),
        ]  # fmt: skip
    return cases


def _machine(device: str) -> dict[str, str]:
    import os

    facts = {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": str(os.cpu_count()),
    }
    if device == "cuda":
        import torch

        facts["gpu"] = torch.cuda.get_device_name()
    return facts


def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version(), "numpy": np.__version__}
    try:
        import torch

        versions["torch"] = torch.__version__
    except ImportError:
        pass
    try:
        import triton

        versions["triton"] = triton.__version__
    except ImportError:
        pass
    return versions


def run_bench(
    device: str = "cpu",
    dtype: str = "float32",
    size: int = 64 * 2**20,
    repeats: int = 9,
    warmup: int = 2,
) -> BenchResult:
    """Time every implementation and its copy baseline.

    Args:
        device: ``cpu`` (NumPy and torch) or ``cuda`` (torch and Triton).
        dtype: ``float16``, ``bfloat16`` (torch only), ``float32`` or ``float64``.
        size: elements per array.
        repeats: timed samples per implementation; the median is kept. A sample is one call
            on the CPU and :data:`CUDA_CALLS_PER_SAMPLE` calls in a row on CUDA.
        warmup: untimed runs first.

    Returns:
        The measurements, with the machine and versions.

    Raises:
        ValueError: an unknown device or dtype, or CUDA asked for where there is none.
    """
    if device not in ("cpu", "cuda"):
        raise ValueError(f"device must be cpu or cuda, got {device!r}")
    if dtype not in _DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(_DTYPES)}, got {dtype!r}")
    if repeats < 1 or warmup < 0:
        raise ValueError("repeats must be at least 1 and warmup at least 0")
    cases: list[_Case] = []
    sync: Callable[[], None] = _no_sync
    calls = 1
    if device == "cpu" and dtype in _NUMPY_DTYPES:
        cases += _numpy_cases(*_numpy_inputs(size, dtype))
    try:
        import torch
    except ImportError:
        if device == "cuda":
            raise ValueError("device cuda needs torch") from None
    else:
        if device == "cuda":
            if not torch.cuda.is_available():
                raise ValueError("device cuda: torch sees no CUDA device on this machine")
            sync, calls = torch.cuda.synchronize, CUDA_CALLS_PER_SAMPLE
        cases += _torch_cases(*_torch_inputs(size, dtype, device))
    if not cases:
        raise ValueError(f"nothing to measure for {dtype} on {device}")
    itemsize = np.dtype(np.float16).itemsize if dtype == "bfloat16" else np.dtype(dtype).itemsize
    # Cases writing into existing arrays are timed together, then the allocating ones: mapping
    # and unmapping memory slows whatever runs next on some machines.
    timed = []
    for group in ([c for c in cases if not c.allocates], [c for c in cases if c.allocates]):
        seconds = _median_seconds([c.fn for c in group], sync, warmup, repeats, calls)
        for case, s in zip(group, seconds, strict=True):
            nbytes = case.streams * size * itemsize
            timed.append((case, s, nbytes, nbytes / s / 1e9))
    # Each implementation is compared with its library's fastest copy into an existing array,
    # measured in this run (NumPy's own copy uses one core, so a copy split across threads is
    # timed too: the baseline is memory's speed, not one core's). What an allocating
    # implementation pays for its new array shows in its ratio.
    copies: dict[str, tuple[str, float]] = {}
    for c, _, _, gbps in timed:
        if c.function == "copy" and not c.allocates and gbps > copies.get(c.family, ("", 0))[1]:
            copies[c.family] = (c.name, gbps)
    measurements = [
        Measurement(c.name, c.library, c.function, c.direction, c.allocates, seconds, nbytes,
                    gbps, gbps / copies[c.family][1], copies[c.family][0])
        for c, seconds, nbytes, gbps in timed
    ]  # fmt: skip
    return BenchResult(
        date=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        machine=_machine(device),
        versions=_versions(),
        device=device,
        dtype=dtype,
        size=size,
        repeats=repeats,
        measurements=measurements,
    )
