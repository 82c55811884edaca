"""``relu-course submit``: check a learner's notebook and copy it into an inbox with a manifest.

The inbox holds ``STUDENT/EXERCISE/STAMP_SHA.ipynb`` and a manifest ``STAMP_SHA.json`` beside
it (student, exercise, time, sha256). Nothing already in the inbox is ever overwritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from relu_course import __version__
from relu_course.grading.questions import Exercise, exercise, exercises

__all__ = [
    "MAX_NOTEBOOK_BYTES",
    "SAFE_NAME",
    "Manifest",
    "NotebookError",
    "answer_cells",
    "load_notebook",
    "notebook_exercise",
    "submit",
]

MAX_NOTEBOOK_BYTES = 20 * 2**20
#: What a student or an exercise id may be, whole: it names folders and files.
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class NotebookError(ValueError):
    """A file is not a usable exercise notebook; the message says why and what to do."""


@dataclass(frozen=True)
class Manifest:
    """What the inbox records about a submission.

    Attributes:
        student: the learner's id.
        exercise: the exercise id (the notebook's stem).
        submitted_at: UTC time of submission, ISO 8601.
        sha256: checksum of the notebook file.
        notebook: the notebook's file name, beside the manifest.
        relu_course: the version of the course's package that made the submission.
    """

    student: str
    exercise: str
    submitted_at: str
    sha256: str
    notebook: str
    relu_course: str = __version__


def load_notebook(data: bytes, where: str) -> dict[str, Any]:
    """Parse a notebook file's bytes, checking the little that grading relies on.

    Raises:
        NotebookError: too large, not JSON (or nested too deeply), not a notebook, or with
            metadata or cells of the wrong kind.
    """
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise NotebookError(f"{where} is larger than {MAX_NOTEBOOK_BYTES // 2**20} MB")
    try:
        nb = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        reason = "nested too deeply" if isinstance(error, RecursionError) else str(error)
        raise NotebookError(
            f"{where} is not a notebook (not valid JSON: {reason}); submit the .ipynb file "
            "that Jupyter saved"
        ) from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise NotebookError(f"{where} is JSON but not a Jupyter notebook (it has no cells)")
    meta = nb.get("metadata", {})
    if not isinstance(meta, dict) or not isinstance(meta.get("relu_course", {}), dict):
        raise NotebookError(f"{where} has malformed metadata")
    for cell in nb["cells"]:
        if not (
            isinstance(cell, dict)
            and isinstance(cell.get("source", ""), str | list)
            and isinstance(cell.get("cell_type", ""), str)
            and isinstance(cell.get("metadata", {}), dict)
            and isinstance(cell.get("metadata", {}).get("nbgrader", {}), dict)
        ):
            raise NotebookError(f"{where} has a malformed cell")
    return nb


def answer_cells(nb: dict[str, Any]) -> dict[str, list[int]]:
    """The indexes of the answer cells of each grade_id (solution cells of nbgrader markup)."""
    cells: dict[str, list[int]] = {}
    for index, cell in enumerate(nb["cells"]):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if (
            isinstance(meta, dict)
            and meta.get("solution")
            and isinstance(meta.get("grade_id"), str)
        ):
            cells.setdefault(meta["grade_id"], []).append(index)
    return cells


def notebook_exercise(nb: dict[str, Any]) -> Exercise | None:
    """The exercise a notebook belongs to: from its metadata, else from its answer cells."""
    meta = nb.get("metadata", {})
    named = meta.get("relu_course", {}).get("exercise") if isinstance(meta, dict) else None
    known = exercises()
    if isinstance(named, str) and named in known:
        return known[named]
    ids = set(answer_cells(nb))
    for ex in known.values():
        if ids & {q.id for q in ex.questions}:
            return ex
    return None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def submit(notebook: Path, student: str, inbox: Path, *, now: datetime | None = None) -> Path:
    """Check ``notebook`` and copy it with a manifest into ``inbox``.

    Args:
        notebook: the learner's saved exercise notebook.
        student: the learner's id (letters, digits, ``.``, ``_``, ``-``; at most 64).
        inbox: the folder the instructor collects submissions from.
        now: the submission time; the current time by default.

    Returns:
        The path of the manifest written.

    Raises:
        NotebookError: the notebook is unreadable, of no known exercise, or has no answer cell.
        ValueError: the student id is not acceptable.
        FileNotFoundError: ``inbox`` is not an existing folder (a mistyped inbox would
            otherwise be made, and the instructor would never see the submission).
    """
    if not inbox.is_dir():
        raise FileNotFoundError(
            f"no inbox folder {inbox}: use the folder your instructor gave you (it must exist)"
        )
    if not SAFE_NAME.fullmatch(student):
        raise ValueError(
            f"student id {student!r}: use letters, digits, '.', '_' or '-' (at most 64), "
            "starting with a letter or digit"
        )
    try:
        data = notebook.read_bytes()
    except OSError as error:
        raise NotebookError(f"cannot read {notebook}: {error.strerror}") from None
    nb = load_notebook(data, str(notebook))
    ex = notebook_exercise(nb)
    if ex is None:
        raise NotebookError(
            f"{notebook} is not one of the course's exercise notebooks (the exercises are: "
            f"{', '.join(exercises())}); submit the notebook you worked in"
        )
    if not answer_cells(nb):
        raise NotebookError(f"{notebook} has no answer cells left; submit the exercise notebook")
    exercise(ex.id)  # the id must still be known to this version of the course
    when = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    sha = _sha256(data)
    stem = f"{when.strftime('%Y%m%dT%H%M%S%fZ')}_{sha[:12]}"
    folder = inbox / student / ex.id
    folder.mkdir(parents=True, exist_ok=True)
    target, manifest_path = folder / f"{stem}.ipynb", folder / f"{stem}.json"
    manifest = Manifest(student, ex.id, when.isoformat(), sha, target.name)
    for path, content in ((target, data), (manifest_path, json.dumps(asdict(manifest)).encode())):
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(content)
        if path.exists():
            tmp.unlink()
            raise FileExistsError(f"{path} exists; nothing was overwritten")
        os.replace(tmp, path)
    return manifest_path
