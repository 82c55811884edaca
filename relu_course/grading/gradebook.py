"""The gradebook: a SQLite file with one row per submission and one per question graded.

Rows are keyed by the submission's id (a sha256 of the student, the exercise and the file's
sha256), so grading the same inbox again skips what is already there. Each submission is written
in one transaction, in WAL mode: a grader killed mid-batch loses at most the submission it was
grading, and every earlier row stays.
"""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CSV_COLUMNS", "Gradebook", "QuestionResult", "SubmissionRecord"]

CSV_COLUMNS = ("student", "exercise", "question", "score", "max_score", "status", "message")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    id TEXT PRIMARY KEY,
    student TEXT NOT NULL,
    exercise TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    file TEXT NOT NULL,
    graded_at TEXT NOT NULL,
    sandbox TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS results (
    submission TEXT NOT NULL REFERENCES submissions(id),
    position INTEGER NOT NULL,
    question TEXT NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    status TEXT NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (submission, question)
);
"""


@dataclass(frozen=True)
class QuestionResult:
    """The grade of one question of one submission.

    Attributes:
        question: the question's id.
        score: points earned.
        max_score: points possible.
        status: ``passed``, ``failed``, ``error``, ``timeout``, ``crashed``, ``missing``,
            ``not_answered`` or ``invalid``.
        message: what happened, in words, without hidden inputs.
    """

    question: str
    score: float
    max_score: float
    status: str
    message: str


@dataclass(frozen=True)
class SubmissionRecord:
    """A graded submission as the gradebook holds it."""

    id: str
    student: str
    exercise: str
    sha256: str
    submitted_at: str
    file: str
    graded_at: str
    sandbox: str
    results: tuple[QuestionResult, ...]

    @property
    def score(self) -> float:
        """Points earned over all questions."""
        return sum(r.score for r in self.results)

    @property
    def max_score(self) -> float:
        """Points possible over all questions."""
        return sum(r.max_score for r in self.results)


class Gradebook:
    """A gradebook file, created on first use.

    Args:
        path: the SQLite file.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=30)) as db, db:
            yield db

    def has(self, submission_id: str) -> bool:
        """Whether the submission is already graded."""
        with self._connect() as db:
            row = db.execute("SELECT 1 FROM submissions WHERE id = ?", (submission_id,))
            return row.fetchone() is not None

    def record(self, submission: SubmissionRecord) -> None:
        """Store a graded submission and its results in one transaction (once only)."""
        with self._connect() as db:
            inserted = db.execute(
                "INSERT OR IGNORE INTO submissions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    submission.id,
                    submission.student,
                    submission.exercise,
                    submission.sha256,
                    submission.submitted_at,
                    submission.file,
                    submission.graded_at,
                    submission.sandbox,
                ),
            ).rowcount
            if inserted:
                db.executemany(
                    "INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        (submission.id, i, r.question, r.score, r.max_score, r.status, r.message)
                        for i, r in enumerate(submission.results)
                    ],
                )

    def submissions(self) -> list[SubmissionRecord]:
        """Every graded submission, ordered by student, exercise and submission time."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT * FROM submissions ORDER BY student, exercise, submitted_at, id"
            ).fetchall()
            results: dict[str, list[QuestionResult]] = {}
            for sub, _, question, score, max_score, status, message in db.execute(
                "SELECT * FROM results ORDER BY submission, position"
            ):
                results.setdefault(sub, []).append(
                    QuestionResult(question, score, max_score, status, message)
                )
        return [
            SubmissionRecord(
                id=row[0],
                student=row[1],
                exercise=row[2],
                sha256=row[3],
                submitted_at=row[4],
                file=row[5],
                graded_at=row[6],
                sandbox=row[7],
                results=tuple(results.get(row[0], ())),
            )
            for row in rows
        ]

    def latest(self) -> list[SubmissionRecord]:
        """The latest submission of each student for each exercise."""
        latest: dict[tuple[str, str], SubmissionRecord] = {}
        for sub in self.submissions():
            latest[sub.student, sub.exercise] = sub  # ordered by time: the last one wins
        return list(latest.values())

    def export_csv(self, path: Path) -> int:
        """Write one row per student, exercise and question (latest submissions); return rows."""
        rows = 0
        with path.open("w", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(CSV_COLUMNS)
            for sub in self.latest():
                for r in sub.results:
                    writer.writerow(
                        [sub.student, sub.exercise, r.question, f"{r.score:g}",
                         f"{r.max_score:g}", r.status, r.message]
                    )  # fmt: skip
                    rows += 1
        return rows
