"""``relu-course release``: student notebooks from the instructor's sources.

A source notebook marks each answer with nbgrader's markup: the cell's ``nbgrader`` metadata
names a ``grade_id``, and the solution lies between ``### BEGIN SOLUTION`` and
``### END SOLUTION``. The student version replaces each solution region by
``raise NotImplementedError()`` (code) or a prompt (markdown), at the region's indentation, and
drops every output. ``release --check`` fails when a committed student version differs from what
``release`` would write now, or contains a line of a solution.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

__all__ = [
    "BEGIN",
    "END",
    "ReleaseProblem",
    "check_released",
    "release",
    "solution_lines",
    "strip_solutions",
    "student_version",
]

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
_MARKER = re.compile(r"^(?P<indent>[ \t]*)### (?P<kind>BEGIN|END) SOLUTION[ \t]*$")
_CODE_STUB = "raise NotImplementedError()"
_TEXT_STUB = "YOUR ANSWER HERE"


@dataclass(frozen=True)
class ReleaseProblem:
    """Why a committed student notebook cannot be released as it is."""

    path: Path
    problem: str

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}"


def _regions(source: str, where: str) -> list[tuple[int, int, str]]:
    """(first line, last line, indent) of each solution region, markers included."""
    regions: list[tuple[int, int, str]] = []
    start: tuple[int, str] | None = None
    for number, line in enumerate(source.splitlines()):
        match = _MARKER.match(line)
        if not match:
            continue
        if match["kind"] == "BEGIN":
            if start is not None:
                raise ValueError(f"{where}: line {number + 1}: {BEGIN} inside another solution")
            start = (number, match["indent"])
        else:
            if start is None:
                raise ValueError(f"{where}: line {number + 1}: {END} without {BEGIN}")
            regions.append((start[0], number, start[1]))
            start = None
    if start is not None:
        raise ValueError(f"{where}: line {start[0] + 1}: {BEGIN} is never ended")
    return regions


def strip_solutions(source: str, *, code: bool = True, where: str = "cell") -> str:
    r"""Replace each solution region of ``source`` by a stub at the region's indentation.

    Args:
        source: a cell's text.
        code: the cell is code (stub ``raise NotImplementedError()``), not markdown.
        where: names the cell in error messages.

    Returns:
        The text with every solution region replaced.

    Raises:
        ValueError: the markers are unbalanced.

    Example:
        >>> print(strip_solutions("def f(x):\n    ### BEGIN SOLUTION\n    return x\n"
        ...                       "    ### END SOLUTION"))
        def f(x):
            raise NotImplementedError()
    """
    lines = source.splitlines()
    for first, last, indent in reversed(_regions(source, where)):
        lines[first : last + 1] = [indent + (_CODE_STUB if code else _TEXT_STUB)]
    return "\n".join(lines)


def solution_lines(source: str, where: str = "cell") -> list[str]:
    """The stripped, non-blank lines inside the solution regions of ``source``."""
    lines = source.splitlines()
    found: list[str] = []
    for first, last, _ in _regions(source, where):
        found += [line.strip() for line in lines[first + 1 : last] if line.strip()]
    return found


def student_version(
    source: nbformat.NotebookNode, where: str = "notebook"
) -> nbformat.NotebookNode:
    """The student version of a source notebook: solutions stubbed, outputs dropped.

    Args:
        source: the instructor's notebook.
        where: names the notebook in error messages.

    Returns:
        A new notebook; ``source`` is not changed.
    """
    nb = copy.deepcopy(source)
    for index, cell in enumerate(nb.cells):
        label = f"{where}, cell {index + 1}"
        cell.source = strip_solutions(cell.source, code=cell.cell_type == "code", where=label)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
    return nb


def _sources(source_dir: Path) -> list[Path]:
    sources = sorted(source_dir.glob("[0-9][0-9]_*.ipynb"))
    if not sources:
        raise FileNotFoundError(
            f"no exercise sources (NN_name.ipynb) in {source_dir} (the defaults are relative to "
            "the course's folder: run from there, or pass --source)"
        )
    return sources


def release(source_dir: Path, out_dir: Path) -> list[Path]:
    """Write the student version of every source notebook of ``source_dir`` into ``out_dir``.

    Args:
        source_dir: the folder of instructor notebooks (``notebooks/exercises/source``).
        out_dir: where the student versions go (``notebooks/exercises``).

    Returns:
        The paths written (``out_dir`` is made if missing).

    Raises:
        FileNotFoundError: ``source_dir`` holds no source notebook.
    """
    written = []
    sources = _sources(source_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in sources:
        nb = student_version(nbformat.read(path, as_version=4), where=str(path))
        target = out_dir / path.name
        nbformat.write(nb, target)
        written.append(target)
    return written


def check_released(source_dir: Path, out_dir: Path) -> list[ReleaseProblem]:
    """Find committed student versions that are missing, stale, or contain a solution line.

    Args:
        source_dir: the folder of instructor notebooks.
        out_dir: the folder of committed student versions.

    Returns:
        Every problem found; empty when the student versions are current and clean.
    """
    problems = []
    for path in _sources(source_dir):
        target = out_dir / path.name
        source = nbformat.read(path, as_version=4)
        if not target.is_file():
            problems.append(ReleaseProblem(target, "missing: run `relu-course release`"))
            continue
        committed = target.read_text()
        if committed != nbformat.writes(student_version(source, where=str(path))) + "\n":
            problems.append(ReleaseProblem(target, "stale: run `relu-course release`"))
        outside = {
            line.strip()
            for cell in source.cells
            for line in strip_solutions(cell.source, code=cell.cell_type == "code").splitlines()
        }
        try:
            student = nbformat.reads(committed, as_version=4)
        except Exception as error:  # nbformat raises many kinds of error on bad files
            problems.append(ReleaseProblem(target, f"not a readable notebook ({error})"))
            continue
        shown = {line.strip() for cell in student.cells for line in cell.source.splitlines()}
        for cell in source.cells:
            for line in solution_lines(cell.source):
                if line in shown and line not in outside:
                    problems.append(ReleaseProblem(target, f"contains solution line {line!r}"))
    return problems
