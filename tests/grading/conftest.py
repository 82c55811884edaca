"""Helpers for grading tests: submissions built from the exercise sources, with edits."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import nbformat
import pytest

from relu_course.grading.grade import grade_inbox
from relu_course.grading.gradebook import Gradebook, SubmissionRecord
from relu_course.grading.sandbox import Limits, bwrap
from relu_course.grading.submit import submit

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "notebooks" / "exercises" / "source"
STUDENT = ROOT / "notebooks" / "exercises"
SECRET = b"the instructor's secret: 3f9c1e7a5b2d4c6e8f0a1b3c5d7e9f11"
# Short limits keep the hostile submissions quick; the defaults are longer.
LIMITS = Limits(cpu_seconds=20, memory_mb=1536, wall_seconds=15, cell_seconds=3, case_seconds=3)
_START = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)


def source(exercise_id: str) -> nbformat.NotebookNode:
    return nbformat.read(SOURCES / f"{exercise_id}.ipynb", as_version=4)


def answer_cell(nb: nbformat.NotebookNode, question_id: str) -> nbformat.NotebookNode:
    return next(
        c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == question_id
    )


class Class:
    """An inbox, a gradebook and a secret in a temporary folder, and ways to fill the inbox."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.inbox = root / "inbox"
        self.gradebook = root / "grades.sqlite"
        self.secret_file = root / "secret.key"
        self.secret_file.write_bytes(SECRET)
        self.count = 0

    def submit(
        self,
        student: str,
        exercise_id: str,
        answers: dict[str, str] | None = None,
        edit: Callable[[nbformat.NotebookNode], None] | None = None,
        nb: nbformat.NotebookNode | None = None,
    ) -> Path:
        """Submit the source of an exercise with some answer cells replaced."""
        nb = copy.deepcopy(nb if nb is not None else source(exercise_id))
        for question_id, code in (answers or {}).items():
            answer_cell(nb, question_id).source = code
        if edit:
            edit(nb)
        path = self.root / f"work_{student}_{self.count}.ipynb"
        nbformat.write(nb, path)
        self.count += 1
        return submit(path, student, self.inbox, now=_START + timedelta(minutes=self.count))

    def grade(self, **kwargs: object) -> list[SubmissionRecord]:
        grade_inbox(self.inbox, self.gradebook, SECRET, limits=LIMITS, **kwargs)  # type: ignore[arg-type]
        return Gradebook(self.gradebook).submissions()

    def results(self, student: str) -> dict[str, tuple[float, str, str]]:
        (sub,) = [s for s in Gradebook(self.gradebook).submissions() if s.student == student]
        return {r.question: (r.score, r.status, r.message) for r in sub.results}


@pytest.fixture
def klass(tmp_path: Path) -> Class:
    if bwrap() is None:
        pytest.fail("grading tests need bubblewrap (bwrap): `make system` installs it")
    return Class(tmp_path)
