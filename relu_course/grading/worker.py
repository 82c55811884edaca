"""The sandboxed side of grading: run a submission's cells, then its answers on given cases.

Started by the grader as ``python -m relu_course.grading.worker JOB_DIR`` inside the sandbox.
``JOB_DIR`` holds ``submission.ipynb``, ``job.json`` (what to run, time limits) and ``cases``
(the inputs, see :mod:`relu_course.grading.codec`). The worker writes only values: for each
question ``out/<id>.json`` and ``out/<id>.npz``, and a log of what it started and finished in
``out/progress.jsonl``, so that the grader can tell which cell or question a crash interrupted
and which answers were written whole. The grader makes these files beforehand, and in the
sandbox (and under Landlock, see :func:`relu_course.grading.sandbox.confine`) they are the only
writable files of the job folder. The worker never sees an expected answer and computes no
score.
"""

from __future__ import annotations

import io
import json
import os
import re
import resource
import signal
import sys
import traceback
from pathlib import Path
from types import FrameType
from typing import Any

import numpy as np

from relu_course.grading import codec, sandbox, seccomp

#: Printed output kept from the submission; the rest is dropped (an output flood is harmless).
MAX_OUTPUT = 64 * 1024
NOBODY = 65534
_MAGIC = re.compile(r"^(\s*)[%!].*$", flags=re.M)


class _Timeout(BaseException):
    """Raised in the submission's code when its time is up (a BaseException, like an interrupt)."""


def _alarm(_signum: int, _frame: FrameType | None) -> None:
    raise _Timeout


class _CappedOutput(io.TextIOBase):
    """Keeps the first ``MAX_OUTPUT`` characters written, counts the rest."""

    def __init__(self) -> None:
        self.kept: list[str] = []
        self.size = 0

    def write(self, text: str) -> int:
        if self.size < MAX_OUTPUT:
            self.kept.append(text[: MAX_OUTPUT - self.size])
        self.size += len(text)
        return len(text)


def _own_processes() -> int:
    uid, count = os.getuid(), 0
    for entry in Path("/proc").iterdir():
        try:
            count += entry.name.isdigit() and entry.stat().st_uid == uid
        except OSError:
            continue
    return count


def _confine(job: dict[str, Any], job_dir: Path) -> None:
    """Become nobody (if root), then apply the limits, Landlock and the seccomp filter, as asked."""
    # In bubblewrap as root, the sandbox keeps only the capabilities to do this. As nobody the
    # process limit applies (root is exempt from it) and root-only files are unreadable.
    limits = job["limits"]
    if job["drop_to_nobody"] and os.getuid() == 0:
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
    mb = 2**20
    cpu, memory, size = limits["cpu_seconds"], limits["memory_mb"] * mb, limits["file_mb"] * mb
    # SIGXCPU at the limit, which names the cause; SIGKILL a second later if it is caught.
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # The process limit counts every process of the user: keep the ones it already has.
    processes = _own_processes() + limits["processes"]
    resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
    if job["landlock"]:
        sandbox.confine(job_dir)
    if job["seccomp"]:
        seccomp.restrict()


class _Log:
    def __init__(self, out: Path) -> None:
        self.file = (out / "progress.jsonl").open("a")

    def __call__(self, **event: Any) -> None:
        self.file.write(json.dumps(event) + "\n")
        self.file.flush()


def _timed(seconds: float, fn: Any, *args: Any) -> Any:
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return fn(*args)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _describe(error: BaseException) -> str:
    if isinstance(error, _Timeout):
        return "timeout"
    if isinstance(error, MemoryError):
        return "MemoryError: ran out of memory"
    text = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {text[:300]}" if text else type(error).__name__


def _run_cells(job: dict[str, Any], namespace: dict[str, Any], log: _Log) -> dict[int, str]:
    """Execute the notebook's code cells in order; return each failing cell's error."""
    notebook = json.loads((Path(job["dir"]) / "submission.ipynb").read_text())
    errors: dict[int, str] = {}
    skip = set(job["skip_cells"])
    for index in job["cells"]:
        if index in skip:
            continue
        cell = notebook["cells"][index]
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        source = _MAGIC.sub(r"\1pass", source)  # shell and IPython magics do not run here
        log(cell=index, state="start")
        try:
            code = compile(source, f"<cell {index + 1}>", "exec")
            _timed(job["cell_timeout"], exec, code, namespace)
        except BaseException as error:  # the submission may raise anything
            errors[index] = _describe(error)
        log(cell=index, state="end", error=errors.get(index))
    return errors


Arrays = dict[str, np.ndarray[Any, Any]]


def _answer(
    question: dict[str, Any], namespace: dict[str, Any], cases: list[Any], timeout: float
) -> tuple[list[Any], Arrays]:
    """The answer's value for each case, or what went wrong, encoded for the grader."""
    arrays: Arrays = {}
    answers: list[Any] = []
    name = question["id"]
    if name not in namespace:
        return [{"missing": True}], arrays
    target = namespace[name]
    if question["kind"] == "value":
        return [{"value": codec.encode(target, arrays)}], arrays
    if not callable(target):
        return [{"not_callable": type(target).__name__}], arrays
    for case in cases:
        try:
            value = _timed(timeout, target, *case)
            answers.append({"value": codec.encode(value, arrays)})
        except NotImplementedError:
            answers.append({"not_implemented": True})
        except BaseException as error:  # the submission may raise anything
            answers.append({"error": _describe(error)})
    return answers, arrays


def main(job_dir: str) -> int:
    """Run the job in ``job_dir``; see the module's description."""
    root = Path(job_dir)
    job = json.loads((root / "job.json").read_text())
    _confine(job, root)
    job["dir"] = str(root)
    data, arrays = codec.read(root / "cases.json")
    out = root / "out"
    log = _Log(out)
    captured = _CappedOutput()
    sys.stdout = sys.stderr = captured
    signal.signal(signal.SIGALRM, _alarm)
    namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": __builtins__}
    cell_errors = _run_cells(job, namespace, log)
    for question in job["questions"]:
        qid = question["id"]
        if qid in job["skip_questions"]:
            continue
        log(question=qid, state="start")
        cases = [codec.decode(case, arrays) for case in data[qid]]
        answers, answer_arrays = _answer(question, namespace, cases, job["case_timeout"])
        result = {"answers": answers, "cell_errors": {str(k): v for k, v in cell_errors.items()}}
        codec.write(out / f"{qid}.json", result, answer_arrays)
        log(question=qid, state="end")  # the grader reads only the answers whose end is logged
    log(done=True, output_chars=captured.size)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1]))
    except Exception:
        traceback.print_exc(file=sys.__stderr__)
        sys.exit(3)
