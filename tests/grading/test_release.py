"""release: student versions from sources, and --check catching stale or leaking ones."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest

from relu_course.cli import main
from relu_course.grading import exercises
from relu_course.grading.release import (
    check_released,
    release,
    solution_lines,
    strip_solutions,
    student_version,
)

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "notebooks" / "exercises" / "source"
STUDENT = ROOT / "notebooks" / "exercises"


def test_regions_become_stubs_at_their_indentation():
    source = (
        "def f(x):\n    ### BEGIN SOLUTION\n    y = x + 1\n    return y\n    ### END SOLUTION\n"
    )
    assert strip_solutions(source) == "def f(x):\n    raise NotImplementedError()"
    assert strip_solutions(
        "### BEGIN SOLUTION\nThe answer is 4.\n### END SOLUTION", code=False
    ) == ("YOUR ANSWER HERE")
    two = (
        "a = 1\n### BEGIN SOLUTION\nb = 2\n### END SOLUTION\n"
        "c = 3\n### BEGIN SOLUTION\nd\n### END SOLUTION"
    )
    assert (
        strip_solutions(two)
        == "a = 1\nraise NotImplementedError()\nc = 3\nraise NotImplementedError()"
    )
    assert solution_lines(two) == ["b = 2", "d"]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("### BEGIN SOLUTION\nx = 1", "never ended"),
        ("x = 1\n### END SOLUTION", "without"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "inside another"),
    ],
)
def test_unbalanced_markers_are_errors_with_the_line(source, message):
    with pytest.raises(ValueError, match=message):
        strip_solutions(source, where="cell 3")


def test_student_version_drops_outputs_and_keeps_metadata():
    nb = nbformat.read(SOURCE / "02_relu_definition.ipynb", as_version=4)
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", text="secret output")]
    nb.cells[2].execution_count = 7
    student = student_version(nb)
    assert nb.cells[2].outputs  # the source is not changed
    for cell in student.cells:
        if cell.cell_type == "code":
            assert cell.outputs == []
            assert cell.execution_count is None
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in student.cells]
    assert ids == [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]


def test_student_version_stubs_markdown_as_text_and_drops_run_metadata():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("Why?\n### BEGIN SOLUTION\nBecause.\n### END SOLUTION"),
        nbformat.v4.new_code_cell("x = 1\n### BEGIN SOLUTION\ny = 2\n### END SOLUTION"),
    ]
    nb.cells[1].metadata["execution"] = {"iopub.execute_input": "2026-11-02T09:00:00Z"}
    student = student_version(nb)
    assert student.cells[0].source == "Why?\nYOUR ANSWER HERE"
    assert student.cells[1].source == "x = 1\nraise NotImplementedError()"
    assert "execution" not in student.cells[1].metadata  # when the instructor ran it
    assert "execution" in nb.cells[1].metadata  # the source is not changed


def test_committed_student_versions_are_current():
    assert check_released(SOURCE, STUDENT) == []


def test_every_solution_line_is_gone_from_the_student_versions():
    for path in sorted(SOURCE.glob("*.ipynb")):
        text = (STUDENT / path.name).read_text()
        assert "### BEGIN SOLUTION" not in text
        for cell in nbformat.read(path, as_version=4).cells:
            for line in solution_lines(cell.source):
                if len(line) > 12:
                    assert line not in text, line


@pytest.fixture
def copies(tmp_path: Path) -> tuple[Path, Path]:
    source, out = tmp_path / "source", tmp_path / "out"
    shutil.copytree(SOURCE, source)
    out.mkdir()
    release(source, out)
    return source, out


def test_check_finds_a_stale_student_version(copies):
    source, out = copies
    nb = nbformat.read(source / "01_deep_learning.ipynb", as_version=4)
    nb.cells[0].source += "\n\nA new paragraph."
    nbformat.write(nb, source / "01_deep_learning.ipynb")
    problems = [str(p) for p in check_released(source, out)]
    assert len(problems) == 1
    assert "01_deep_learning.ipynb: stale" in problems[0]


def test_check_finds_a_leaked_solution_and_a_missing_notebook(copies):
    source, out = copies
    nb = nbformat.read(out / "02_relu_definition.ipynb", as_version=4)
    answer = next(
        c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "relu_grad"
    )
    answer.source = "def relu_grad(x):\n    return (x > 0).astype(x.dtype)"
    nbformat.write(nb, out / "02_relu_definition.ipynb")
    (out / "01_deep_learning.ipynb").unlink()
    problems = [str(p) for p in check_released(source, out)]
    assert any("01_deep_learning.ipynb: missing" in p for p in problems)
    assert any("contains solution line 'return (x > 0).astype(x.dtype)'" in p for p in problems)


def test_check_reports_every_unreadable_student_version(copies):
    source, out = copies
    for name in ("01_deep_learning.ipynb", "02_relu_definition.ipynb"):
        (out / name).write_text("{not json")
    problems = [str(p) for p in check_released(source, out)]
    unreadable = [p for p in problems if "not a readable notebook" in p]
    assert len(unreadable) == 2
    assert not any("03_properties" in p for p in problems)  # the others are fine


def test_cli_release_and_check(copies, capsys):
    source, out = copies
    assert main(["release", "--source", str(source), "--out", str(out), "--check"]) == 0
    (out / "02_relu_definition.ipynb").write_text("{}")
    assert main(["release", "--source", str(source), "--out", str(out), "--check"]) == 1
    assert "stale" in capsys.readouterr().err
    assert main(["release", "--source", str(source), "--out", str(out)]) == 0
    assert main(["release", "--source", str(source), "--out", str(out), "--check"]) == 0


def stated_points(nb: nbformat.NotebookNode) -> tuple[int, dict[str, int]]:
    """The total the introduction states, and the points each heading states per question."""
    intro = " ".join(nb.cells[0].source.split())
    total = int(re.search(r"(\d+) points? in all", intro).group(1))
    points: dict[str, int] = {}
    stated, each, under = 0, False, []
    for cell in [*nb.cells, None]:
        heading = cell is None or (cell.cell_type == "markdown" and cell.source.startswith("## "))
        if heading and under:
            shares = [stated] * len(under) if each else [stated / len(under)] * len(under)
            points.update(zip(under, shares, strict=True))
            under = []
        if cell is None:
            break
        if heading:
            found = re.search(r"\((\d+) points?( each)?\)", cell.source.splitlines()[0])
            stated, each = (int(found.group(1)), bool(found.group(2))) if found else (0, False)
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution") and grade_id:
            under.append(grade_id)
    return total, points


@pytest.mark.parametrize("exercise_id", list(exercises()))
def test_the_points_a_notebook_states_are_its_questions_points(exercise_id):
    nb = nbformat.read(SOURCE / f"{exercise_id}.ipynb", as_version=4)
    total, points = stated_points(nb)
    ex = exercises()[exercise_id]
    assert total == ex.max_score
    assert points == {q.id: q.points for q in ex.questions}
