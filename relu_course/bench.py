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
from typing import Any, ClassVar, TypeVar

import numpy as np

__all__ = [
    "CUDA_CALLS_PER_SAMPLE",
    "FUSION_SIZES",
    "BenchResult",
    "FusionResult",
    "FusionRow",
    "Measurement",
    "parse_size",
    "run_bench",
    "run_fusion",
]

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


_S = TypeVar("_S", bound="_Saved")


@dataclass(frozen=True)
class _Saved:
    """A run saved as JSON: the date, the machine, the versions and the settings, then rows.

    A subclass names the field that holds its rows and their class in ``_ROWS``.
    """

    date: str
    machine: dict[str, str]
    versions: dict[str, str]
    device: str
    dtype: str
    size: int
    repeats: int

    _ROWS: ClassVar[tuple[str, type]]

    def to_json(self) -> dict[str, Any]:
        """The result as JSON-able data."""
        return asdict(self)

    def save(self, path: str | Path) -> None:
        """Write the result as indented JSON, the file :meth:`load` reads."""
        Path(path).write_text(json.dumps(self.to_json(), indent=2) + "\n")

    @classmethod
    def load(cls: type[_S], path: str | Path) -> _S:
        """Read a result written by ``relu-course bench --json``.

        Args:
            path: the JSON file.

        Returns:
            The result, with its rows as objects.

        Raises:
            ValueError: the file is not JSON, or not a result of this kind (a field missing or
                unknown).
        """
        field, row = cls._ROWS
        try:
            data = json.loads(Path(path).read_text())
            return cls(**{**data, field: [row(**m) for m in data[field]]})
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise ValueError(
                f"{path}: not a result of relu-course bench --json "
                f"({type(error).__name__}: {error})"
            ) from error


@dataclass(frozen=True)
class BenchResult(_Saved):
    """A whole run: the machine, the versions, the settings and the measurements."""

    measurements: list[Measurement]

    _ROWS = ("measurements", Measurement)

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


def _check_settings(device: str, dtype: str, repeats: int, warmup: int) -> None:
    if device not in ("cpu", "cuda"):
        raise ValueError(f"device must be cpu or cuda, got {device!r}")
    if dtype not in _DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(_DTYPES)}, got {dtype!r}")
    if repeats < 1 or warmup < 0:
        raise ValueError("repeats must be at least 1 and warmup at least 0")


def _torch_timing(device: str) -> tuple[Callable[[], None], int]:
    """How to time torch on ``device``: what waits for its work, and calls per sample.

    Raises:
        ImportError: torch is not installed.
        ValueError: ``cuda`` where torch sees no CUDA device.
    """
    import torch

    if device != "cuda":
        return _no_sync, 1
    if not torch.cuda.is_available():
        raise ValueError("device cuda: torch sees no CUDA device on this machine")
    return torch.cuda.synchronize, CUDA_CALLS_PER_SAMPLE


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


def _run_facts(device: str, dtype: str, size: int, repeats: int) -> dict[str, Any]:
    """The fields every saved run has besides its rows: when, where, with what, how."""
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": _machine(device),
        "versions": _versions(),
        "device": device,
        "dtype": dtype,
        "size": size,
        "repeats": repeats,
    }


def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version(), "numpy": np.__version__}
    try:
        import torch

        from relu_course.torch_nn.triton import version
    except ImportError:
        return versions
    versions["torch"] = torch.__version__
    triton = version()
    if triton is not None:
        versions["triton"] = triton
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
    _check_settings(device, dtype, repeats, warmup)
    cases: list[_Case] = []
    sync: Callable[[], None] = _no_sync
    calls = 1
    if device == "cpu" and dtype in _NUMPY_DTYPES:
        cases += _numpy_cases(*_numpy_inputs(size, dtype))
    try:
        sync, calls = _torch_timing(device)
    except ImportError:
        if device == "cuda":
            raise ValueError("device cuda needs torch") from None
    else:
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
    return BenchResult(**_run_facts(device, dtype, size, repeats), measurements=measurements)


# --------------------------------------------------------------------------- fusion

#: The side of the square matrices of :func:`run_fusion`, by device.
FUSION_SIZES = {"cpu": 1024, "cuda": 8192}


@dataclass(frozen=True)
class FusionRow:
    """One timing of :func:`run_fusion`.

    Attributes:
        name: what was timed, as code.
        relu: how the ReLU is applied: ``none``, ``separate`` (a pass of its own over the
            product), ``epilogue`` (inside the matrix product, as each result is made) or
            ``alone`` (the separate pass by itself).
        seconds: median time of one call.
        ratio: ``seconds`` over the product's alone (``torch.addmm``).
    """

    name: str
    relu: str
    seconds: float
    ratio: float


@dataclass(frozen=True)
class FusionResult(_Saved):
    """A run of ``relu-course bench --fusion``: what a ReLU adds to the layer before it."""

    rows: list[FusionRow]

    _ROWS = ("rows", FusionRow)

    def table(self) -> str:
        """The rows as a plain-text table, one a line, with a header."""
        n = f"{self.size:,}"
        width = max(len(r.name) for r in self.rows)
        lines = [
            f"{self.device}, {self.dtype}, b + x @ w with x and w {n} x {n}, median of "
            f"{self.repeats}",
            "ratio = time over the product's alone",
            f"{'implementation':<{width}}  {'relu':<9}  {'ms':>8}  {'ratio':>6}",
        ]
        for r in self.rows:
            ms = r.seconds * 1e3
            lines.append(f"{r.name:<{width}}  {r.relu:<9}  {ms:>8.3f}  {r.ratio:>6.3f}")
        return "\n".join(lines)


def _fusion_cases(x: Any, w: Any, b: Any) -> list[tuple[str, str, Callable[[], Any]]]:
    """(name, how the ReLU is applied, function) of each timing; each returns what it made."""
    import torch

    y = torch.addmm(b, x, w)
    return [
        ("torch.addmm(b, x, w)", "none", lambda: torch.addmm(b, x, w)),
        ("torch.relu(torch.addmm(b, x, w))", "separate", lambda: torch.relu(torch.addmm(b, x, w))),
        # ATen's fused form: on CUDA cuBLASLt applies the ReLU in the product's epilogue.
        ("torch._addmm_activation(b, x, w)", "epilogue", lambda: torch._addmm_activation(b, x, w)),
        ("torch.relu(y)", "alone", lambda: torch.relu(y)),
    ]  # fmt: skip


def run_fusion(
    device: str = "cpu",
    dtype: str = "float32",
    size: int | None = None,
    repeats: int = 9,
    warmup: int = 2,
) -> FusionResult:
    """Time a linear layer's product ``b + x @ w`` with no ReLU, with one, and with one fused.

    The ReLU is applied as a pass of its own over the product, and inside the product, as
    each result is made (cuBLASLt's epilogue on CUDA); the separate pass is also timed alone.

    Args:
        device: ``cpu`` or ``cuda``.
        dtype: ``float16``, ``bfloat16``, ``float32`` or ``float64``.
        size: the side of the square matrices ``x`` and ``w`` (default: :data:`FUSION_SIZES`).
        repeats: timed samples per implementation; the median is kept (on CUDA a sample is
            :data:`CUDA_CALLS_PER_SAMPLE` calls in a row).
        warmup: untimed runs first.

    Returns:
        The timings, each also as a ratio to the product's alone, with the machine and
        versions.

    Raises:
        ValueError: an unknown device or dtype, a size below 2, torch missing, or CUDA asked
            for where there is none.
    """
    _check_settings(device, dtype, repeats, warmup)
    size = FUSION_SIZES[device] if size is None else size
    if size < 2:
        raise ValueError(f"size must be at least 2, got {size}")
    try:
        sync, calls = _torch_timing(device)
        import torch
    except ImportError:
        raise ValueError("the fusion benchmark needs torch") from None
    gen = torch.Generator(device=device).manual_seed(0)
    kind = getattr(torch, dtype)
    x = torch.randn(size, size, generator=gen, device=device).to(kind)
    w = (torch.randn(size, size, generator=gen, device=device) / size**0.5).to(kind)
    b = torch.randn(size, generator=gen, device=device).to(kind)
    cases = _fusion_cases(x, w, b)
    seconds = _median_seconds([fn for _, _, fn in cases], sync, warmup, repeats, calls)
    product = seconds[0]
    return FusionResult(
        **_run_facts(device, dtype, size, repeats),
        rows=[
            FusionRow(name, relu, s, s / product)
            for (name, relu, _), s in zip(cases, seconds, strict=True)
        ],
    )
