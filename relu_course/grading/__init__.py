"""Graded exercises: questions, release of student notebooks, public checks, grading.

Learners call :func:`check` in their notebooks; instructors use the ``relu-course`` verbs
``release``, ``grade``, ``export`` and ``feedback``. This package imports neither torch nor
Jupyter at import time, so that ``from relu_course.grading import check`` is quick.
"""

from relu_course.grading.check import check
from relu_course.grading.questions import Exercise, Question, exercise, exercises

__all__ = ["Exercise", "Question", "check", "exercise", "exercises"]
