"""Helpers for grading tests: submissions built from the exercise sources, with edits."""

from __future__ import annotations

import copy
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
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
LIMITS = Limits(
    cpu_seconds=20, memory_mb=1536, disk_mb=64, wall_seconds=15, cell_seconds=3, case_seconds=3
)
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
        self.inbox.mkdir()
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
        """Grade the inbox; every row the gradebook held before must be there, unchanged."""
        before = _rows(self.gradebook) if self.gradebook.exists() else []
        grade_inbox(self.inbox, self.gradebook, SECRET, limits=LIMITS, **kwargs)  # type: ignore[arg-type]
        after = _rows(self.gradebook)
        assert set(before) <= set(after), "grading lost or changed an earlier gradebook row"
        return self.graded()

    def earlier_kept(self) -> bool:
        """Whether the submission graded before the test is still whole in the gradebook."""
        earlier = [s for s in Gradebook(self.gradebook).submissions() if s.student == EARLIER]
        return len(earlier) == 1 and len(earlier[0].results) == 3

    def graded(self) -> list[SubmissionRecord]:
        """The gradebook's submissions, without the one graded before the test."""
        return [s for s in Gradebook(self.gradebook).submissions() if s.student != EARLIER]

    def results(self, student: str) -> dict[str, tuple[float, str, str]]:
        (sub,) = [s for s in Gradebook(self.gradebook).submissions() if s.student == student]
        return {r.question: (r.score, r.status, r.message) for r in sub.results}


#: A student graded before each test's submissions, so that every test sees the gradebook
#: keep its earlier rows.
EARLIER = "earlier"


def _rows(gradebook: Path) -> list[tuple]:
    with closing(sqlite3.connect(gradebook)) as db:
        subs = db.execute("SELECT * FROM submissions").fetchall()
        results = db.execute("SELECT * FROM results").fetchall()
    return subs + results


@pytest.fixture(scope="session")
def earlier_gradebook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if bwrap() is None:
        pytest.fail("grading tests need bubblewrap (bwrap): `make system` installs it")
    earlier = Class(tmp_path_factory.mktemp("earlier"))
    earlier.submit(EARLIER, "01_deep_learning")
    grade_inbox(earlier.inbox, earlier.gradebook, SECRET, limits=LIMITS)
    return earlier.gradebook


@pytest.fixture
def klass(tmp_path: Path, earlier_gradebook: Path) -> Class:
    made = Class(tmp_path)
    shutil.copyfile(earlier_gradebook, made.gradebook)
    return made
