"""The gradebook: a SQLite file with one row per submission and one per question graded.

Rows are keyed by the submission's id (a sha256 of the student, the exercise, the submission
time and the file's sha256), so grading the same inbox again skips what is already there. Each
submission is written in one transaction, in WAL mode: a grader killed mid-batch loses at most
the submission it was grading, and every earlier row stays. The gradebook also keeps a
fingerprint of the secret its hidden cases came from, so that a class is not graded on two
different sets of hidden cases by mistake.

An instructor can override the score of one question of one graded submission, with a reason.
The override is kept beside the grader's result, not in place of it: every reading of the
gradebook (export, feedback, ``list``) shows the override and what the grader gave, and it
outlives ``grade --regrade``, which grades the same submission (the same id) again.
"""

from __future__ import annotations

import csv
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from relu_course.grading.questions import exercises

__all__ = [
    "CSV_COLUMNS",
    "SUMMARY_COLUMNS",
    "Gradebook",
    "GradebookError",
    "Override",
    "QuestionResult",
    "SubmissionRecord",
]

CSV_COLUMNS = ("student", "exercise", "question", "score", "max_score", "status", "message")
SUMMARY_COLUMNS = ("student", "exercise", "score", "max_score", "submitted_at", "submissions")

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
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS overrides (
    submission TEXT NOT NULL,
    question TEXT NOT NULL,
    score REAL NOT NULL,
    reason TEXT NOT NULL,
    made_at TEXT NOT NULL,
    PRIMARY KEY (submission, question)
);
"""


class GradebookError(ValueError):
    """The gradebook cannot be opened, is not a gradebook, or belongs to another secret."""


@dataclass(frozen=True)
class QuestionResult:
    """The grade of one question of one submission.

    Attributes:
        question: the question's id.
        score: points earned.
        max_score: points possible.
        status: ``passed``, ``failed``, ``error``, ``timeout``, ``crashed``, ``missing``,
            ``not_answered`` or ``invalid``; ``overridden`` when an instructor set the score;
            in an export with a roster, ``not_submitted``.
        message: what happened, in words, without hidden inputs; for an override, its reason
            and what the grader gave.
    """

    question: str
    score: float
    max_score: float
    status: str
    message: str


@dataclass(frozen=True)
class Override:
    """An instructor's score for one question of one submission.

    Attributes:
        submission: the submission's id.
        question: the question's id.
        score: the points given instead of the grader's.
        reason: why, in words the student will read on the feedback page.
        made_at: when (ISO 8601, UTC).
    """

    submission: str
    question: str
    score: float
    reason: str
    made_at: str

    def apply(self, graded: QuestionResult) -> QuestionResult:
        """The result as it counts: this score, with the reason and the grader's own result."""
        return QuestionResult(
            graded.question,
            self.score,
            graded.max_score,
            "overridden",
            f"{self.reason} (set by the instructor {self.made_at}; the grader gave "
            f"{graded.score:g}, {graded.status}: {graded.message})",
        )


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
    """A gradebook file.

    Args:
        path: the SQLite file.
        create: make it when it does not exist (``grade``); otherwise it must exist and be a
            gradebook (``export``, ``feedback``).

    Raises:
        GradebookError: the file cannot be opened or created, or is not a gradebook.
    """

    def __init__(self, path: Path, *, create: bool = True) -> None:
        self.path = path
        if not create and not path.is_file():
            raise GradebookError(f"no gradebook {path}")
        try:
            with self._connect() as db:
                if not create:
                    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
                    if not {"submissions", "results"} <= tables:
                        raise GradebookError(f"{path} is not a gradebook (it has no submissions)")
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(_SCHEMA)
        except sqlite3.Error as error:
            raise GradebookError(f"{path} cannot be used as a gradebook: {error}") from None

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=30)) as db, db:
            yield db

    def claim_secret(self, fingerprint: str) -> None:
        """Tie the gradebook to the secret with this fingerprint, or check that it is that one.

        Raises:
            GradebookError: the gradebook was graded with another secret.
        """
        with self._connect() as db:
            db.execute(
                "INSERT OR IGNORE INTO meta VALUES ('secret_fingerprint', ?)", (fingerprint,)
            )
            (stored,) = db.execute(
                "SELECT value FROM meta WHERE key = 'secret_fingerprint'"
            ).fetchone()
        if stored != fingerprint:
            raise GradebookError(
                f"{self.path} was graded with another secret: its earlier grades come from "
                "other hidden cases, and mixing the two would grade one class on two tests. "
                "Grade with the earlier secret, or into a new gradebook (and grade every "
                "submission again there)"
            )

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

    def overrides(self) -> dict[tuple[str, str], Override]:
        """Every override, by submission id and question id."""
        with self._connect() as db:
            return {
                (row[0], row[1]): Override(*row)
                for row in db.execute("SELECT * FROM overrides ORDER BY made_at")
            }

    def submissions(self) -> list[SubmissionRecord]:
        """Every graded submission, ordered by student, exercise and submission time.

        A question with an override has the overridden result (see :meth:`Override.apply`).
        """
        overrides = self.overrides()
        with self._connect() as db:
            rows = db.execute(
                "SELECT * FROM submissions ORDER BY student, exercise, submitted_at, id"
            ).fetchall()
            results: dict[str, list[QuestionResult]] = {}
            for sub, _, question, score, max_score, status, message in db.execute(
                "SELECT * FROM results ORDER BY submission, position"
            ):
                graded = QuestionResult(question, score, max_score, status, message)
                override = overrides.get((sub, question))
                results.setdefault(sub, []).append(
                    graded if override is None else override.apply(graded)
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

    def counting(self, student: str, exercise: str) -> SubmissionRecord:
        """The submission of ``student`` for ``exercise`` that counts (the latest).

        Raises:
            GradebookError: the student has no graded submission of that exercise.
        """
        for sub in self.latest():
            if (sub.student, sub.exercise) == (student, exercise):
                return sub
        raise GradebookError(
            f"{student} has no graded submission of exercise {exercise} in {self.path}"
        )

    def override(
        self, student: str, exercise: str, question: str, score: float, reason: str, made_at: str
    ) -> tuple[SubmissionRecord, QuestionResult]:
        """Set the score of a question of the submission that counts; replaces an earlier one.

        The override belongs to that submission: a later submission is graded as usual.

        Args:
            student: the student's id.
            exercise: the exercise's id.
            question: the question's id.
            score: points, from 0 to the question's maximum.
            reason: why, for the student and for whoever reads the gradebook later.
            made_at: the time (ISO 8601) recorded with it.

        Returns:
            The submission and the grader's own result for that question.

        Raises:
            GradebookError: no such submission or question, a score out of range, or no reason.
        """
        sub = self.counting(student, exercise)
        graded = self._graded(sub, question)
        if not 0 <= score <= graded.max_score:  # also refuses NaN
            raise GradebookError(
                f"a score for {question} must be from 0 to {graded.max_score:g}, not {score:g}"
            )
        if not reason.strip():
            raise GradebookError("an override needs a reason: the student reads it")
        with self._connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO overrides VALUES (?, ?, ?, ?, ?)",
                (sub.id, question, score, reason.strip(), made_at),
            )
        return sub, graded

    def clear_override(self, student: str, exercise: str, question: str) -> SubmissionRecord:
        """Remove the override of a question of the submission that counts.

        Raises:
            GradebookError: no such submission or question, or no override to remove.
        """
        sub = self.counting(student, exercise)
        self._graded(sub, question)
        with self._connect() as db:
            removed = db.execute(
                "DELETE FROM overrides WHERE submission = ? AND question = ?", (sub.id, question)
            ).rowcount
        if not removed:
            raise GradebookError(
                f"{question} of {student}'s submission of {sub.submitted_at} has no override"
            )
        return sub

    def _graded(self, sub: SubmissionRecord, question: str) -> QuestionResult:
        """The grader's own result for ``question`` of ``sub``, before any override."""
        with self._connect() as db:
            row = db.execute(
                "SELECT question, score, max_score, status, message FROM results "
                "WHERE submission = ? AND question = ?",
                (sub.id, question),
            ).fetchone()
        if row is None:
            known = ", ".join(r.question for r in sub.results)
            raise GradebookError(f"exercise {sub.exercise} has no question {question} ({known})")
        return QuestionResult(*row)

    def forget(self, students: list[str] | None = None) -> int:
        """Delete the submissions of ``students`` (all when ``None``), so they are graded again.

        The secret's fingerprint and the overrides stay: a submission graded again has the
        same id, so its overrides apply again. Returns the number of submissions deleted.
        """
        where, args = ("", ()) if students is None else (
            f" WHERE student IN ({', '.join('?' * len(students))})", tuple(students)
        )  # fmt: skip
        with self._connect() as db:
            ids = [row[0] for row in db.execute(f"SELECT id FROM submissions{where}", args)]
            db.executemany("DELETE FROM results WHERE submission = ?", [(i,) for i in ids])
            db.executemany("DELETE FROM submissions WHERE id = ?", [(i,) for i in ids])
        return len(ids)

    def with_roster(self, roster: list[str]) -> list[SubmissionRecord]:
        """The latest submissions, and a record of 0 points for each roster student without one.

        For every exercise of the course that somebody submitted, a student of ``roster`` who
        did not gets a record with an empty ``submitted_at`` whose questions have the status
        ``not_submitted``. Ordered by student, then exercise.
        """
        latest = {(sub.student, sub.exercise): sub for sub in self.latest()}
        known = exercises()
        for ex_id in sorted({ex for _, ex in latest} & known.keys()):
            questions = known[ex_id].questions
            for student in roster:
                latest.setdefault(
                    (student, ex_id),
                    SubmissionRecord(
                        "", student, ex_id, "", "", "", "", "",
                        tuple(
                            QuestionResult(q.id, 0.0, float(q.points), "not_submitted",
                                           "no submission")
                            for q in questions
                        ),
                    ),
                )  # fmt: skip
        return [latest[key] for key in sorted(latest)]

    def export_csv(
        self, path: Path, *, summary: bool = False, roster: list[str] | None = None
    ) -> int:
        """Write the latest submission of each student and exercise as CSV; return the rows.

        One row per question (:data:`CSV_COLUMNS`), or with ``summary`` one per student and
        exercise (:data:`SUMMARY_COLUMNS`: the total, the time of the submission that counts,
        and how many were graded). With a ``roster``, its students who did not submit an
        exercise get 0 points for it (see :meth:`with_roster`). The file is written whole or
        not at all: it replaces ``path`` only once complete.

        Raises:
            GradebookError: ``path`` is the gradebook itself (or one of its SQLite files).
            OSError: ``path`` cannot be written.
        """
        own = {Path(f"{self.path}{suffix}").resolve() for suffix in ("", "-wal", "-shm")}
        if path.resolve() in own:
            raise GradebookError(f"{path} is the gradebook itself; write the CSV elsewhere")
        records = self.latest() if roster is None else self.with_roster(roster)
        rows: list[list[str]]
        if summary:
            count: dict[tuple[str, str], int] = {}
            for sub in self.submissions():
                count[sub.student, sub.exercise] = count.get((sub.student, sub.exercise), 0) + 1
            rows = [
                [sub.student, sub.exercise, f"{sub.score:g}", f"{sub.max_score:g}",
                 sub.submitted_at, str(count.get((sub.student, sub.exercise), 0))]
                for sub in records
            ]  # fmt: skip
        else:
            rows = [
                [sub.student, sub.exercise, r.question, f"{r.score:g}", f"{r.max_score:g}",
                 r.status, r.message]
                for sub in records
                for r in sub.results
            ]  # fmt: skip
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w", newline="") as file:
                writer = csv.writer(file)
                writer.writerow(SUMMARY_COLUMNS if summary else CSV_COLUMNS)
                writer.writerows(rows)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
        return len(rows)
