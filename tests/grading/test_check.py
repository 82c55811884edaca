"""check("id") in a notebook, and the exercise notebooks' sources against their questions."""

from __future__ import annotations

import contextlib
import io
import itertools
from pathlib import Path

import nbformat
import numpy as np
import pytest

from relu_course.grading import check, exercise, exercises
from relu_course.grading.check import FINAL_SCORE_NOTE, run_case
from relu_course.grading.questions import find_question

ROOT = Path(__file__).resolve().parents[2]
EXERCISES = ROOT / "notebooks" / "exercises"


def run_check(question_id: str, namespace: dict) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        check(question_id, namespace)
    return out.getvalue()


def test_a_correct_answer_passes_every_public_case_and_the_note_is_said():
    output = run_check("relu", {"relu": lambda x: np.maximum(x, 0)})
    assert "relu: 3 of 3 public checks passed." in output
    assert FINAL_SCORE_NOTE in output
    assert "public checks; your final score comes from hidden checks" in output


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda x: x, "wrong values"),
        (lambda x: np.maximum(x, 0).astype(np.float64), "wrong dtype, expected float16"),
        (lambda x: np.maximum(x, 0).tolist(), "expected a NumPy array, got a list of 5 values"),
        (lambda x: 1 / 0, "raised ZeroDivisionError: division by zero"),
        (lambda x: np.maximum(x, 0, out=x), "changed its input"),
        (3, "relu must be a function, got int"),
    ],
)
def test_wrong_answers_get_a_message_a_learner_can_act_on(answer, message):
    output = run_check("relu", {"relu": answer})
    assert message in output
    assert "public checks passed" in output or "must be a function" in output
    assert FINAL_SCORE_NOTE in output


def test_unanswered_and_missing_answers():
    def relu(x):
        raise NotImplementedError()

    output = run_check("relu", {"relu": relu})
    assert output.count("not answered yet") == 1
    assert "0 of 3" in output
    assert "no function named relu yet" in run_check("relu", {})
    assert "no variable named grad_clamp_at_zero" in run_check("grad_clamp_at_zero", {})


def test_check_finds_the_answer_in_the_callers_globals():
    global count_parameters

    def count_parameters(sizes):
        return sum(a * b + b for a, b in itertools.pairwise(sizes))

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        check("count_parameters")
    assert "2 of 2 public checks passed" in out.getvalue()


def test_unknown_question_ids_are_errors():
    with pytest.raises(KeyError, match="no question 'relux'"):
        check("relux", {})
    with pytest.raises(KeyError, match="the exercises are: 01_deep_learning, 02_relu_definition, "):
        exercise("99_nothing")


def test_question_ids_are_the_answer_cells_grade_ids():
    for ex in exercises().values():
        nb = nbformat.read(EXERCISES / f"{ex.id}.ipynb", as_version=4)
        assert nb.metadata["relu_course"]["exercise"] == ex.id
        answer_ids = [
            c.metadata["nbgrader"]["grade_id"]
            for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("solution")
        ]
        assert answer_ids == [q.id for q in ex.questions]


def _execute(path: Path) -> tuple[dict, str]:
    """Run a notebook's code cells in one namespace; answer cells may raise."""
    namespace: dict = {}
    out = io.StringIO()
    nb = nbformat.read(path, as_version=4)
    with contextlib.redirect_stdout(out):
        for cell in nb.cells:
            if cell.cell_type == "code":
                with contextlib.suppress(NotImplementedError):
                    exec(compile(cell.source, str(path), "exec"), namespace)
    return namespace, out.getvalue()


@pytest.mark.parametrize("exercise_id", list(exercises()))
def test_sources_pass_and_student_versions_fail_every_public_check(exercise_id):
    ex = exercise(exercise_id)
    _, source_output = _execute(EXERCISES / "source" / f"{exercise_id}.ipynb")
    _, student_output = _execute(EXERCISES / f"{exercise_id}.ipynb")
    for q in ex.questions:
        n = len(q.public_cases)
        assert f"{q.id}: {n} of {n} public checks passed." in source_output
        assert f"{q.id}: 0 of {n} public checks passed." in student_output or (
            f"no {'function' if q.kind == 'function' else 'variable'} named {q.id}"
            in student_output
        )


@pytest.mark.parametrize(
    "question_id",
    [q.id for ex in exercises().values() for q in ex.questions if q.kind == "function"],
)
def test_the_reference_passes_its_own_hidden_cases(question_id):
    _, q = find_question(question_id)
    for case in q.hidden_cases(np.random.default_rng(0)):
        assert run_case(q, q.reference, case).ok
