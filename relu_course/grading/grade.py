"""``relu-course grade``: grade every submission of an inbox into a gradebook.

For each submission the grader (this process) prepares a job: a copy of the notebook and the
inputs of every case, public and hidden. The hidden cases are drawn from a generator seeded by
an HMAC of the instructor's secret, so they exist only here, while grading. The worker runs
the job in the sandbox and returns values; the grader computes the expected values with the
reference implementation, compares, and records. A crash or a timeout in a cell or a question
costs that cell or question: the worker is started again without it, and the rest is graded.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np

from relu_course.grading import codec, landlock, seccomp
from relu_course.grading.check import describe_case
from relu_course.grading.gradebook import Gradebook, QuestionResult, SubmissionRecord
from relu_course.grading.questions import Case, Exercise, Question, exercises
from relu_course.grading.sandbox import (
    MAX_TMP_FILES,
    Limits,
    WorkerRun,
    bwrap,
    bwrap_sizes_tmp,
    protection,
    run_worker,
)
from relu_course.grading.submit import (
    MAX_NOTEBOOK_BYTES,
    SAFE_NAME,
    Manifest,
    NotebookError,
    answer_cells,
    load_notebook,
    notebook_exercise,
)

__all__ = [
    "GradingSummary",
    "Submission",
    "check_notebook",
    "find_submissions",
    "grade_inbox",
    "hidden_rng",
]

NO_SANDBOX_WARNING = (
    "WARNING: bwrap (bubblewrap) is not installed and this kernel has no Landlock: submissions "
    "run WITHOUT the sandbox, with resource limits{filter} only. Submitted code can read and "
    "write every file this user can{network}. Install bubblewrap (apt-get install "
    "bubblewrap) before grading for real."
)

LANDLOCK_ONLY_WARNING = (
    "WARNING: bwrap (bubblewrap) is not installed: submissions run WITHOUT the sandbox, "
    "confined by Landlock{filter} and the resource limits only. They cannot read the secret, the "
    "gradebook, other submissions or other processes, write outside their job{network}, or "
    "trace the grader{more}. "
    "Install bubblewrap (apt-get install bubblewrap) before grading for real."
)


def _no_bubblewrap_warning() -> str:
    """The warning for a grader without bubblewrap, after what this kernel's Landlock does."""
    version = landlock.abi()
    # Where the worker's seccomp filter applies (seccomp.py) no socket can be opened at all,
    # and no process started by a submission can outlive its run.
    unfiltered = not seccomp.supported()
    if version == 0:
        return NO_SANDBOX_WARNING.format(
            filter="" if unfiltered else " and a seccomp filter",
            network=", use the network and leave processes running" if unfiltered else "",
        )
    # Landlock confines TCP from ABI 4 and signals from ABI 6; UDP and named sockets never.
    gaps = []
    if unfiltered:
        gaps.append("use UDP and named Unix sockets" if version >= 4 else "use the network")
        gaps.append("leave processes running")
    if version < 6:
        gaps.append("signal the grader")
    return LANDLOCK_ONLY_WARNING.format(
        filter="" if unfiltered else ", a seccomp filter",
        network="" if unfiltered else ", open a socket, leave a process running",
        more=f"; but they can {_listed(gaps)}" if gaps else "",
    )


def _listed(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return " and ".join([", ".join(items[:-1]), items[-1]] if len(items) > 1 else items)


OLD_BWRAP_WARNING = (
    "WARNING: this bwrap (bubblewrap before 0.7.0) cannot bound the size of the sandbox's /tmp, "
    "which is kept in memory: a submission can fill the memory with files. Install bubblewrap "
    "0.7.0 or later before grading for real."
)


@dataclass(frozen=True)
class Submission:
    """One submission found in the inbox: its manifest and its files."""

    manifest: Manifest
    manifest_path: Path
    notebook_path: Path

    @property
    def id(self) -> str:
        """The gradebook key: the student, the exercise, the submission time and the checksum.

        The time is part of it: handing in an earlier version again is a new submission, and
        the latest one counts.
        """
        m = self.manifest
        key = f"{m.student}\0{m.exercise}\0{m.submitted_at}\0{m.sha256}"
        return hashlib.sha256(key.encode()).hexdigest()


@dataclass
class GradingSummary:
    """What one ``grade`` run did."""

    graded: int = 0
    skipped: int = 0
    failed: int = 0
    sandbox: str = "bubblewrap"
    problems: list[str] = field(default_factory=list)


def secret_fingerprint(secret: bytes) -> str:
    """A short tag of the secret that the gradebook keeps; it reveals nothing of the secret."""
    return hmac.new(secret, b"relu-course gradebook", hashlib.sha256).hexdigest()[:16]


def hidden_rng(secret: bytes, exercise_id: str, question_id: str) -> np.random.Generator:
    """The generator of a question's hidden cases, seeded from the secret (and nothing else)."""
    digest = hmac.new(secret, f"{exercise_id}/{question_id}".encode(), hashlib.sha256).digest()
    return np.random.default_rng(int.from_bytes(digest, "big"))


#: How far in the future a submission time may lie (clocks of learners' machines drift).
CLOCK_SKEW = timedelta(minutes=10)


def _check_manifest(manifest: Manifest, where: tuple[str, ...]) -> None:
    """Raise ``ValueError`` unless the manifest is well formed and lies in its own folder."""
    if not all(isinstance(v, str) for v in asdict(manifest).values()):
        raise TypeError("fields must be strings")
    for name in ("student", "exercise"):  # they name the feedback's folders and files
        if not SAFE_NAME.fullmatch(getattr(manifest, name)):
            raise ValueError(f"{name} {getattr(manifest, name)[:40]!r} is not a plain name")
    # submit files it under <student>/<exercise>/: a manifest elsewhere, or naming another
    # student, would let one student's file stand for another's.
    if where[:-1] != (manifest.student, manifest.exercise):
        raise ValueError(
            f"it names student {manifest.student!r} and exercise {manifest.exercise!r} but lies "
            f"in {'/'.join(where[:-1]) or 'the inbox itself'}/"
        )
    if Path(manifest.notebook).name != manifest.notebook or manifest.notebook in ("", "..", "."):
        raise ValueError(f"notebook {manifest.notebook!r} is not a file name")
    if not re.fullmatch(r"[0-9a-f]{64}", manifest.sha256):
        raise ValueError("sha256 is not a checksum")
    when = datetime.fromisoformat(manifest.submitted_at)
    if when.tzinfo is None:
        raise ValueError(f"submitted_at {manifest.submitted_at!r} has no time zone")
    if when > datetime.now(timezone.utc) + CLOCK_SKEW:
        raise ValueError(f"submitted_at {manifest.submitted_at!r} is in the future")


def find_submissions(inbox: Path) -> tuple[list[Submission], list[str]]:
    """Every submission of ``inbox`` (by manifest), and a problem line for each one skipped.

    A manifest is skipped when it is malformed, lies outside ``<student>/<exercise>/``, names
    a time in the future, or its notebook is not there (yet): nothing is recorded for it, and a
    later run sees it again. Copies of one manifest count once.
    """
    found: dict[str, Submission] = {}
    problems = []
    for path in sorted(inbox.rglob("*.json")):
        if path.name.startswith("."):
            continue
        try:
            raw = json.loads(codec.read_regular_file(path, 65536))
            manifest = Manifest(**{k: raw[k] for k in Manifest.__dataclass_fields__ if k in raw})
            _check_manifest(manifest, path.relative_to(inbox).parts)
        except (ValueError, TypeError, KeyError, OSError, RecursionError) as error:
            problems.append(f"{path}: not a submission manifest ({error}); skipped")
            continue
        notebook = path.parent / manifest.notebook
        if not notebook.exists() and not notebook.is_symlink():
            problems.append(
                f"{path}: its notebook {manifest.notebook} is not there (yet); skipped, and "
                "graded on a later run once it is"
            )
            continue
        submission = Submission(manifest, path, notebook)
        found.setdefault(submission.id, submission)
    return list(found.values()), problems


@dataclass(frozen=True)
class _Plan:
    """The cases of one exercise and their expected answers, shared by all its submissions."""

    exercise: Exercise
    cases: dict[str, list[Case]]
    public: dict[str, int]  # how many of the first cases are public
    expected: dict[str, list[Any]]


def _plan(ex: Exercise, secret: bytes | None) -> _Plan:
    """The cases of every question: public ones, then hidden ones when there is a secret."""
    cases, public, expected = {}, {}, {}
    for q in ex.questions:
        hidden = []
        if secret is not None and q.kind == "function":
            hidden = q.hidden_cases(hidden_rng(secret, ex.id, q.id))
        cases[q.id] = [*q.public_cases, *hidden]
        public[q.id] = len(q.public_cases)
        expected[q.id] = [q.reference(*case) for case in cases[q.id]]
    return _Plan(ex, cases, public, expected)


def _result(q: Question, status: str, message: str) -> QuestionResult:
    return QuestionResult(
        q.id, float(q.points if status == "passed" else 0), float(q.points), status, message
    )


def _judge(
    q: Question, plan: _Plan, answers: list[Any], arrays: dict[str, Any], note: str
) -> QuestionResult:
    """Compare the worker's answers for one question with the expected ones."""
    expected = plan.expected[q.id]
    if (
        len(answers) == 1
        and isinstance(answers[0], dict)
        and len(answers[0]) == 1
        and answers[0].keys() <= {"missing", "not_callable"}
    ):
        if "missing" in answers[0]:
            kind = "function" if q.kind == "function" else "variable"
            status = "missing"
            if "NotImplementedError" in note:
                status = "not_answered"
            elif "did not finish" in note or "time limit" in note:
                status = "timeout"
            elif "stopped the run" in note:
                status = "crashed"
            return _result(q, status, f"no {kind} named {q.id} was defined{note}")
        return _result(q, "invalid", f"{q.id} must be a function, got {answers[0]['not_callable']}")
    if len(answers) != len(expected):
        return _result(q, "invalid", "the sandbox returned a malformed answer")
    failures: list[tuple[str, str]] = []
    for i, (answer, want) in enumerate(zip(answers, expected, strict=True)):
        public = i < plan.public[q.id]
        what = describe_case(q, plan.cases[q.id][i]) if public else f"{q.id} on a hidden case"
        if not isinstance(answer, dict) or len(answer) != 1:
            return _result(q, "invalid", "the sandbox returned a malformed answer")
        ((kind, body),) = answer.items()
        if kind == "not_implemented":
            return _result(
                q, "not_answered", f"{q.id} is not answered (it raises NotImplementedError){note}"
            )
        if kind == "error":
            status = "timeout" if body == "timeout" else "error"
            text = "took too long" if body == "timeout" else f"raised {str(body)[:300]}"
            failures.append((status, f"{what} {text}"))
            continue
        try:
            got = codec.decode(body, arrays)
        except codec.CodecError as error:
            return _result(q, "invalid", f"the sandbox returned a malformed answer ({error})")
        if isinstance(got, codec.Unsupported):
            failures.append(("failed", f"{what}: returned {got.type_name}, not an array or number"))
            continue
        verdict = q.judge(want, got, what=what)
        if not verdict.ok:
            # A public case's values are in the notebook already: show where it differs.
            shown = f" ({verdict.detail})" if public and verdict.detail else ""
            failures.append(("failed", verdict.reason + shown))
    if not failures:
        cases = f"all {len(expected)} cases" if len(expected) > 1 else "its case"
        return _result(q, "passed", f"correct on {cases}{note}")
    status, first = failures[0]
    return _result(
        q, status, f"wrong on {len(failures)} of {len(expected)} cases; first: {first}{note}"
    )


def _events(out: Path) -> list[dict[str, Any]]:
    """The worker's progress log, one event a line.

    Lines that are not JSON objects, or whose ``cell`` is not an int or whose ``question`` is
    not a string, are left out: the submission can write to the log.
    """
    try:
        text = codec.read_regular_file(out / "progress.jsonl", codec.MAX_BYTES).decode(
            errors="replace"
        )
    except OSError:
        return []
    events = []
    for line in text.splitlines()[-100000:]:
        try:
            event = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if (
            isinstance(event, dict)
            and type(event.get("cell", 0)) is int
            and isinstance(event.get("question", ""), str)
        ):
            events.append(event)
    return events


def _interrupted(events: list[dict[str, Any]]) -> tuple[str, Any] | None:
    """What the worker had started and not finished when it stopped: a cell or a question."""
    open_cell, open_question = None, None
    for event in events:
        if "cell" in event:
            open_cell = event["cell"] if event.get("state") == "start" else None
        if "question" in event:
            open_question = event["question"] if event.get("state") == "start" else None
    if open_question is not None:
        return "question", open_question
    if open_cell is not None:
        return "cell", open_cell
    return None


def _finished(events: list[dict[str, Any]]) -> bool:
    """Whether the worker got to its end (an exit status of 0 alone could be ``os._exit(0)``)."""
    return bool(events) and events[-1].get("done") is True


def _answered(events: list[dict[str, Any]]) -> set[str]:
    """The questions whose answers the worker wrote whole (it logs the end after writing)."""
    return {e["question"] for e in events if e.get("state") == "end" and "question" in e}


def _why(run: WorkerRun, limits: Limits) -> str:
    if run.timed_out:
        return f"timeout: stopped after the {limits.wall_seconds:g} s time limit"
    if run.over_disk:
        limit = f"{limits.disk_mb} MB (or {MAX_TMP_FILES:,} files)"
        return f"wrote more than {limit} to its temporary folder"
    signals = {
        -9: "was killed (out of memory or CPU time)",
        -24: f"used more than {limits.cpu_seconds} s of CPU time",
        -25: f"wrote more than {limits.file_mb} MB",
        -11: "crashed (segmentation fault)",
        -6: "aborted",
    }
    if run.returncode in signals:
        return signals[run.returncode]
    if run.returncode < 0:
        return f"was killed by signal {-run.returncode}"
    return f"ended the process (exit status {run.returncode})"


def _cell_notes(ex: Exercise, cells: dict[str, list[int]]) -> dict[str, str]:
    """What to add to each question's message about its answer cell (moved is fine)."""
    notes = {}
    for q in ex.questions:
        found = cells.get(q.id, [])
        if len(found) > 1:
            notes[q.id] = (
                f" (its answer cell appears {len(found)} times; the last definition was graded)"
            )
        elif not found:
            notes[q.id] = f" (its answer cell {q.id!r} was deleted)"
        else:
            notes[q.id] = ""
    return notes


def _code_cells(nb: dict[str, Any]) -> list[int]:
    """The code cells the worker runs: all but the ``check(...)`` cells."""

    def grade_id(cell: dict[str, Any]) -> str:
        return str(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", ""))

    return [
        i
        for i, cell in enumerate(nb["cells"])
        if cell.get("cell_type") == "code" and not grade_id(cell).startswith("check_")
    ]


def _collect(
    q: Question,
    out: Path,
    plan: _Plan,
    note: str,
    owner: int | None,
    skipped: dict[int, str],
    limits: Limits,
) -> QuestionResult:
    """Judge what the worker returned for ``q`` (its answers are written whole)."""
    try:
        payload, arrays = codec.read(out / f"{q.id}.json")
        answers, cell_errors = payload["answers"], payload.get("cell_errors", {})
    except codec.CodecError as problem:
        return _result(q, "invalid", f"the sandbox returned a malformed answer ({problem})")
    except (TypeError, KeyError, AttributeError):
        return _result(q, "invalid", "the sandbox returned a malformed answer")
    if not isinstance(answers, list) or not isinstance(cell_errors, dict):
        return _result(q, "invalid", "the sandbox returned a malformed answer")
    if owner is not None and owner in skipped:
        note += f" (its answer cell stopped the run: {skipped[owner]})"
    elif owner is not None and str(owner) in cell_errors:
        error = str(cell_errors[str(owner)])
        if error == "timeout":
            error = f"did not finish within {limits.cell_seconds:g} s"
        else:
            error = f"raised {error}"
        note += f" (its answer cell {error})"
    return _judge(q, plan, answers, arrays, note)


#: Cells that may end or hang the worker, each skipped in a new run, before grading gives up:
#: every run costs a process start, so a notebook of many such cells would hold a grader for
#: hours.
MAX_SKIPPED_CELLS = 5


def _grade_notebook(
    nb: dict[str, Any], data: bytes, plan: _Plan, limits: Limits, sandbox: bool
) -> list[QuestionResult]:
    """Run the worker on a notebook until every question has a result, and judge them.

    ``data`` is the notebook file's bytes, ``nb`` the same parsed. A run that dies in a cell is
    repeated without that cell, up to :data:`MAX_SKIPPED_CELLS` cells; one that dies in a
    question is repeated without that question, which is marked crashed or timed out.
    """
    ex = plan.exercise
    cells = answer_cells(nb)
    notes = _cell_notes(ex, cells)
    code_cells = _code_cells(nb)
    results: dict[str, QuestionResult] = {}
    skipped: dict[int, str] = {}
    with tempfile.TemporaryDirectory(prefix="relu-grade-") as tmp:
        job_dir = Path(tmp)
        (job_dir / "submission.ipynb").write_bytes(data)
        arrays: dict[str, np.ndarray[Any, Any]] = {}
        # Each case travels as the list of its arguments.
        sent = {
            qid: [codec.encode(list(c), arrays) for c in cases] for qid, cases in plan.cases.items()
        }
        codec.write(job_dir / "cases.json", sent, arrays)
        started = time.monotonic()
        for _ in range(MAX_SKIPPED_CELLS + len(ex.questions) + 2):
            pending = [q for q in ex.questions if q.id not in results]
            if not pending:
                break
            spent = time.monotonic() - started
            if spent >= limits.submission_seconds:
                stop = (
                    f"grading stopped: this notebook's runs took {spent:.0f} s in all, over the "
                    f"{limits.submission_seconds:g} s a submission may take"
                )
                for q in pending:
                    results[q.id] = _result(q, "timeout", stop)
                break
            out = job_dir / "out"
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir()
            # The only files the worker may write (in the sandbox it can create none).
            for name in [
                "progress.jsonl",
                *(f"{q.id}{e}" for q in pending for e in (".json", ".npz")),
            ]:
                (out / name).touch()
            job = {
                "cells": code_cells,
                "skip_cells": sorted(skipped),
                "questions": [{"id": q.id, "kind": q.kind} for q in ex.questions],
                "skip_questions": sorted(results),
                "cell_timeout": limits.cell_seconds,
                "case_timeout": limits.case_seconds,
                "limits": asdict(limits),
                "drop_to_nobody": sandbox,
                "landlock": landlock.abi() > 0,
                "seccomp": seccomp.supported(),
            }
            (job_dir / "job.json").write_text(json.dumps(job))
            run = run_worker(job_dir, limits, sandbox=sandbox)
            events = _events(out)
            answered = _answered(events)
            for q in pending:
                if q.id in answered:
                    owner = cells[q.id][-1] if cells.get(q.id) else None
                    results[q.id] = _collect(q, out, plan, notes[q.id], owner, skipped, limits)
            if run.returncode == 0 and not run.timed_out and _finished(events):
                break
            where, why = _interrupted(events), _why(run, limits)
            if (
                where
                and where[0] == "question"
                and where[1] in {q.id for q in pending} - set(results)
            ):
                q = ex.question(where[1])
                status = "timeout" if run.timed_out else "crashed"
                results[q.id] = _result(q, status, f"{q.id}: the answer {why}{notes[q.id]}")
            elif (
                where
                and where[0] == "cell"
                and where[1] in code_cells
                and where[1] not in skipped
                and len(skipped) < MAX_SKIPPED_CELLS
            ):
                skipped[where[1]] = f"cell {where[1] + 1} {why}"
            elif where and where[0] == "cell":
                stop = (
                    f"the notebook's code stopped the run {len(skipped) + 1} times, the last "
                    f"time in cell {where[1] + 1} that {why}; grading gave up on the rest"
                )
                for q in pending:
                    results.setdefault(q.id, _result(q, "crashed", stop))
                break
            else:
                for q in pending:
                    results.setdefault(q.id, _result(q, "crashed", f"the notebook's code {why}"))
                break
    return [
        results.get(q.id) or _result(q, "crashed", "no answer came back: the process ended early")
        for q in ex.questions
    ]


def _invalid(questions: Iterable[Question], message: str) -> list[QuestionResult]:
    return [QuestionResult(q.id, 0.0, float(q.points), "invalid", message) for q in questions]


def _grade_one(
    sub: Submission, plans: dict[str, _Plan], limits: Limits, sandbox: bool
) -> SubmissionRecord:
    manifest = sub.manifest
    plan = plans.get(manifest.exercise)
    results: list[QuestionResult]
    if plan is None:
        results = [
            QuestionResult("*", 0.0, 0.0, "invalid", f"unknown exercise {manifest.exercise!r}")
        ]
    else:
        questions = plan.exercise.questions
        try:
            data = codec.read_regular_file(sub.notebook_path, MAX_NOTEBOOK_BYTES + 1)
            if hashlib.sha256(data).hexdigest() != manifest.sha256:
                raise NotebookError(
                    "the notebook changed after it was submitted (checksum differs)"
                )
            nb = load_notebook(data, sub.notebook_path.name)
            found = notebook_exercise(nb)
            if found is not None and found.id != manifest.exercise:
                raise NotebookError(
                    f"this is the notebook of exercise {found.id}, not {manifest.exercise}"
                )
            results = _grade_notebook(nb, data, plan, limits, sandbox)
        except (NotebookError, OSError) as error:
            results = _invalid(questions, str(error))
    return SubmissionRecord(
        id=sub.id,
        student=manifest.student,
        exercise=manifest.exercise,
        sha256=manifest.sha256,
        submitted_at=manifest.submitted_at,
        file=str(sub.notebook_path),
        graded_at=datetime.now(timezone.utc).isoformat(),
        sandbox=protection(sandbox),
        results=tuple(results),
    )


def grade_inbox(
    inbox: Path,
    gradebook: Path,
    secret: bytes,
    *,
    jobs: int = 1,
    limits: Limits | None = None,
    progress: Callable[[Iterable[Any], int], Iterable[Any]] | None = None,
    warn: Callable[[str], None] = lambda text: print(text, file=sys.stderr),
) -> GradingSummary:
    """Grade every new submission of ``inbox`` into ``gradebook``.

    Args:
        inbox: the folder ``relu-course submit`` writes to.
        gradebook: the SQLite gradebook (created when missing).
        secret: the instructor's secret; the hidden cases are derived from it.
        jobs: submissions graded at the same time.
        limits: resource limits of the sandboxed runs.
        progress: wraps the iterator of finished submissions (a progress bar).
        warn: receives warnings (no sandbox, bad manifests).

    Returns:
        What was graded and skipped (``problems``: the manifests skipped, and why).

    Raises:
        ValueError: the secret is empty, or ``jobs`` below 1.
        GradebookError: the gradebook cannot be used, or was graded with another secret.
    """
    if not secret.strip():
        raise ValueError("the secret is empty; write a long random string into the secret file")
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    limits = limits or Limits()
    executable = bwrap()
    summary = GradingSummary(sandbox=protection(executable is not None))
    if executable is None:
        warn(_no_bubblewrap_warning())
    elif not bwrap_sizes_tmp(executable):
        warn(OLD_BWRAP_WARNING)
    book = Gradebook(gradebook)
    book.claim_secret(secret_fingerprint(secret))
    submissions, summary.problems = find_submissions(inbox)
    for problem in summary.problems:
        warn(problem)
    todo = [s for s in submissions if not book.has(s.id)]
    summary.skipped = len(submissions) - len(todo)
    plans = {
        ex.id: _plan(ex, secret)
        for ex in exercises().values()
        if any(s.manifest.exercise == ex.id for s in todo)
    }
    sandbox = executable is not None
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(_grade_one, s, plans, limits, sandbox): s for s in todo}
        done = as_completed(futures)
        for future in progress(done, len(futures)) if progress else done:
            try:
                record = future.result()
            except Exception as error:  # a fault of the grader's: the batch goes on without it
                summary.failed += 1
                warn(
                    f"ERROR: the grader failed on {futures[future].notebook_path} "
                    f"({type(error).__name__}: {error}); it is not recorded, so the next run "
                    "grades it again"
                )
                continue
            book.record(record)
            summary.graded += 1
    return summary


def check_notebook(
    path: Path, *, limits: Limits | None = None
) -> tuple[Exercise, list[QuestionResult]]:
    """Run the public cases of every question on a notebook, out of process, as the grader does.

    Args:
        path: an exercise notebook.
        limits: resource limits of the run.

    Returns:
        The notebook's exercise, and one result per question.

    Raises:
        NotebookError: the file is not an exercise notebook.
    """
    data = path.read_bytes()
    nb = load_notebook(data, str(path))
    ex = notebook_exercise(nb)
    if ex is None:
        raise NotebookError(f"{path} is not one of the course's exercise notebooks")
    sandbox = bwrap() is not None
    return ex, _grade_notebook(nb, data, _plan(ex, None), limits or Limits(), sandbox)
