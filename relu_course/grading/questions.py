"""Questions and exercises: what is asked, how many points, the reference answer, the cases.

A :class:`Question` is answered in a notebook cell whose nbgrader ``grade_id`` is the question's
id, by a function (``kind="function"``) or a variable (``kind="value"``) of the same name. Its
public cases are fixed and shown to learners by ``check``; its hidden cases are drawn from a
random generator that the grader seeds from the instructor's secret, so they exist only while
grading. The expected answers are always computed by the reference, in the judging process.

Question ids are unique across exercises, so that ``check("relu")`` needs no exercise name.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from relu_course.grading.judge import Scorer, Verdict, compare

__all__ = [
    "Case",
    "Exercise",
    "Question",
    "exercise",
    "exercises",
    "find_question",
]

Case = tuple[Any, ...]
"""The positional arguments of one call of an answer function (empty for a value)."""

#: The modules of ``relu_course.grading.sets`` that define exercises, in book order.
_SET_MODULES = (
    "deep_learning",
    "relu_definition",
    "properties",
    "tradeoffs",
    "feedforward",
    "cnn",
    "rnn_transformer",
    "why_relu",
)


@dataclass(frozen=True)
class Question:
    """One graded question.

    Attributes:
        id: the answer cell's ``grade_id``, and the name of the function or variable answering.
        points: the most the question scores.
        kind: ``"function"`` (called on each case) or ``"value"`` (a variable, compared once).
        prompt: one line saying what is asked, shown in messages.
        reference: the reference function; for a value, a function of no arguments that
            returns the value.
        public_cases: the cases ``check`` runs in the learner's notebook.
        hidden_cases: draws the grader's cases from a generator seeded by the secret.
        rtol: relative tolerance of float comparisons (float16 results get at least 1e-3).
        atol: absolute tolerance of float comparisons.
        exact_dtype: an array answer must have the reference's dtype, not just close values.
        needs_torch: answering it (and computing the reference) imports torch.
        evaluate: for an answer judged by what it does rather than by what it is (the weights
            of a network, of which many are right): maps the learner's answer to the value
            compared with the reference's (the network's outputs). It runs in the judging
            process on the answer as it came back from the sandbox (arrays, numbers, lists,
            tuples), so it checks what it gets and raises ``ValueError`` or ``TypeError``
            with a message, naming no hidden input, for an answer it cannot use.
        score: for an answer judged by a rule rather than by equality (a trained classifier's
            predictions, scored by their accuracy): called as ``score(expected, got)`` in place
            of :func:`~relu_course.grading.judge.compare`, after ``evaluate``, and returns the
            :class:`Verdict`; ``rtol``, ``atol`` and ``exact_dtype`` are then unused. Its reason
            must name no hidden input; the judge prefixes what the answer is. See
            :func:`~relu_course.grading.judge.accuracy_at_least`.
    """

    id: str
    points: int
    kind: Literal["function", "value"]
    prompt: str
    reference: Callable[..., Any]
    public_cases: Sequence[Case] = ((),)
    hidden_cases: Callable[[np.random.Generator], list[Case]] = field(default=lambda rng: [()])
    rtol: float = 1e-6
    atol: float = 1e-9
    exact_dtype: bool = True
    needs_torch: bool = False
    evaluate: Callable[[Any], Any] | None = None
    score: Scorer | None = None

    def __post_init__(self) -> None:
        if not self.id.isidentifier():
            raise ValueError(f"question id {self.id!r} must be a Python identifier")
        if self.points < 1:
            raise ValueError(f"question {self.id}: points must be at least 1, got {self.points}")
        if self.kind == "value" and tuple(self.public_cases) != ((),):
            raise ValueError(f"question {self.id}: a value question takes no cases")

    def judge(self, expected: Any, got: Any, *, what: str) -> Verdict:
        """Judge the learner's answer ``got`` (evaluated first, if asked) against ``expected``.

        By the question's ``score`` rule when it has one, else by ``compare``.

        Args:
            expected: the reference's answer for one case.
            got: the learner's answer for that case.
            what: how messages name the answer, such as ``"relu(x: (3,) float32 array)"``.

        Returns:
            The verdict; an answer that ``evaluate`` cannot use is wrong, with its reason.
        """
        if self.evaluate is not None:
            try:
                got = self.evaluate(got)
            except (ValueError, TypeError) as error:
                return Verdict(False, f"{what}: {error}")
            except Exception as error:  # a malformed answer must cost the question, not the run
                return Verdict(
                    False, f"{what}: could not be evaluated ({type(error).__name__}: {error})"
                )
        if self.score is not None:
            try:
                verdict = self.score(expected, got)
            except Exception as error:  # a malformed answer must cost the question, not the run
                return Verdict(
                    False, f"{what}: could not be scored ({type(error).__name__}: {error})"
                )
            if verdict.ok:
                return verdict
            return Verdict(False, f"{what}: {verdict.reason}", verdict.detail)
        return compare(
            expected,
            got,
            what=what,
            rtol=self.rtol,
            atol=self.atol,
            exact_dtype=self.exact_dtype,
        )


@dataclass(frozen=True)
class Exercise:
    """The questions of one exercise notebook.

    Attributes:
        id: the notebook's stem, such as ``"02_relu_definition"``.
        title: the exercise's title.
        questions: its questions, in notebook order.
    """

    id: str
    title: str
    questions: tuple[Question, ...]

    @property
    def max_score(self) -> int:
        """The total points of the exercise."""
        return sum(q.points for q in self.questions)

    def question(self, question_id: str) -> Question:
        """The question with id ``question_id``.

        Raises:
            KeyError: no question of this exercise has that id.
        """
        for q in self.questions:
            if q.id == question_id:
                return q
        known = ", ".join(q.id for q in self.questions)
        raise KeyError(f"exercise {self.id} has no question {question_id!r} (it has: {known})")


def exercises() -> dict[str, Exercise]:
    """Every exercise of the course by id, in book order.

    Raises:
        ValueError: two questions share an id.
    """
    found: dict[str, Exercise] = {}
    seen: dict[str, str] = {}
    for name in _SET_MODULES:
        module = importlib.import_module(f"relu_course.grading.sets.{name}")
        ex: Exercise = module.EXERCISE
        for q in ex.questions:
            if q.id in seen:
                raise ValueError(f"question id {q.id!r} is used by {seen[q.id]} and {ex.id}")
            seen[q.id] = ex.id
        found[ex.id] = ex
    return found


def exercise(exercise_id: str) -> Exercise:
    """The exercise with id ``exercise_id`` (a notebook stem such as ``"01_deep_learning"``).

    Raises:
        KeyError: there is no such exercise; the message lists the ones there are.
    """
    known = exercises()
    if exercise_id not in known:
        raise KeyError(f"no exercise {exercise_id!r}; the exercises are: {', '.join(known)}")
    return known[exercise_id]


def find_question(question_id: str) -> tuple[Exercise, Question]:
    """The exercise and question with id ``question_id``.

    Raises:
        KeyError: no exercise has such a question.
    """
    for ex in exercises().values():
        for q in ex.questions:
            if q.id == question_id:
                return ex, q
    raise KeyError(
        f"no question {question_id!r}: check the spelling; each exercise notebook lists its "
        "question ids"
    )
