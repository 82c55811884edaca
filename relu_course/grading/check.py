"""``check("id")``: run a question's public cases inside the learner's notebook.

This is feedback, not grading: the learner's kernel can do anything to it. Scores come only from
the grader, which runs hidden cases outside the learner's process (see ``grade``).
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Mapping
from typing import Any

import numpy as np

from relu_course.grading.judge import Verdict
from relu_course.grading.questions import Case, Question, find_question

__all__ = ["FINAL_SCORE_NOTE", "check", "describe_case", "run_case"]

FINAL_SCORE_NOTE = "These are public checks; your final score comes from hidden checks."


def describe_case(question: Question, case: Case) -> str:
    """A short description of a call, such as ``relu(x: float32 array of shape (2, 2))``."""
    if question.kind == "value":
        return question.id

    def one(arg: Any) -> str:
        if isinstance(arg, np.ndarray):
            return f"{arg.shape} {arg.dtype} array"
        return repr(arg)

    names = list(inspect.signature(question.reference).parameters)
    args = ", ".join(f"{n}: {one(a)}" for n, a in zip(names, case, strict=False))
    return f"{question.id}({args})"


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and np.array_equal(a, b, equal_nan=True)
    if isinstance(a, list | tuple):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    return bool(a == b)


def run_case(question: Question, answer: Any, case: Case) -> Verdict:
    """Call (or read) the learner's ``answer`` on ``case`` and judge it against the reference.

    Args:
        question: the question answered.
        answer: the learner's function, or value.
        case: the arguments.

    Returns:
        The verdict, with a reason that names the problem (an exception, a changed input).
    """
    what = describe_case(question, case)
    expected = question.reference(*copy.deepcopy(case))
    if question.kind == "value":
        got = answer
    else:
        if not callable(answer):
            return Verdict(False, f"{question.id} must be a function, got {type(answer).__name__}")
        args = copy.deepcopy(case)
        try:
            got = answer(*args)
        except NotImplementedError:
            return Verdict(
                False,
                f"{question.id} is not answered yet: replace "
                "`raise NotImplementedError()` with your code",
            )
        except Exception as error:
            return Verdict(False, f"{what} raised {type(error).__name__}: {error}")
        if not all(_same(a, b) for a, b in zip(case, args, strict=True)):
            return Verdict(False, f"{what} changed its input; return a new array instead")
    return question.judge(expected, got, what=what)


def _caller_namespace() -> Mapping[str, Any]:
    frame = inspect.currentframe()
    # check() -> _caller_namespace(): two frames up is the notebook cell that called check.
    caller = frame.f_back.f_back if frame and frame.f_back else None
    return caller.f_globals if caller else {}


def check(question_id: str, namespace: Mapping[str, Any] | None = None) -> None:
    """Run the public cases of a question on the answer defined in the notebook, and report.

    Args:
        question_id: the question's id, such as ``"relu"``.
        namespace: where to find the answer; the calling notebook's variables by default.

    Example:
        >>> def relu(x):
        ...     return np.maximum(x, 0).astype(np.float32)
        >>> check("relu", {"relu": relu})
          FAILED: relu(x: (5,) float64 array): wrong dtype, expected float64, got float32
          FAILED: relu(x: (3,) float16 array): wrong dtype, expected float16, got float32
        relu: 1 of 3 public checks passed.
        These are public checks; your final score comes from hidden checks.
    """
    _, question = find_question(question_id)
    names = namespace if namespace is not None else _caller_namespace()
    kind = "function" if question.kind == "function" else "variable"
    if question_id not in names:
        print(
            f"{question_id}: no {kind} named {question_id} yet. Define it in its answer "
            f"cell (keep the name), run that cell, then run this check again."
        )
        print(FINAL_SCORE_NOTE)
        return
    results = [run_case(question, names[question_id], case) for case in question.public_cases]
    passed = sum(v.ok for v in results)
    shown: set[str] = set()
    for verdict in results:
        if not verdict.ok and verdict.reason not in shown:
            shown.add(verdict.reason)
            print(
                f"  FAILED: {verdict.reason}" + (f" ({verdict.detail})" if verdict.detail else "")
            )
    print(f"{question_id}: {passed} of {len(results)} public checks passed.")
    print(FINAL_SCORE_NOTE)
