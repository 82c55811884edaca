"""``relu-course feedback``: one HTML page per graded submission, for its learner.

A page lists each question with its score and what went wrong, in the words the grader
recorded. Those words name the problem (a wrong dtype, an exception, a timeout) and never a
hidden input or expected value: the gradebook does not hold them.
"""

from __future__ import annotations

import html
from pathlib import Path

from relu_course.grading.gradebook import Gradebook, SubmissionRecord
from relu_course.grading.submit import SAFE_NAME

__all__ = ["render", "write_feedback"]

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem;
       color: #222; line-height: 1.5; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #ddd;
         vertical-align: top; }
.passed { color: #1e8449; } .failed, .error, .timeout, .crashed, .invalid { color: #c0392b; }
.missing, .not_answered { color: #b9770e; } .overridden { color: #1f618d; }
"""

_STATUS_WORDS = {
    "passed": "correct",
    "failed": "wrong answer",
    "error": "raised an error",
    "timeout": "too slow",
    "crashed": "crashed",
    "missing": "missing",
    "not_answered": "not answered",
    "invalid": "could not be graded",
    "overridden": "set by your instructor",
}


def render(sub: SubmissionRecord, replaced_by: SubmissionRecord | None = None) -> str:
    """The feedback page of one submission, as HTML.

    Args:
        sub: the graded submission.
        replaced_by: the student's latest submission of the same exercise, when it is not
            ``sub``: the page then says that ``sub`` does not count.
    """
    e = html.escape
    counts = (
        f'<p class="invalid"><strong>This submission does not count:</strong> your later one, '
        f"submitted {e(replaced_by.submitted_at)}, replaces it "
        f"({replaced_by.score:g} of {replaced_by.max_score:g}).</p>"
        if replaced_by is not None
        else ""
    )
    rows = "\n".join(
        f"<tr><td><code>{e(r.question)}</code></td><td>{r.score:g} / {r.max_score:g}</td>"
        f'<td class="{e(r.status)}">{e(_STATUS_WORDS.get(r.status, r.status))}</td>'
        f"<td>{e(r.message)}</td></tr>"
        for r in sub.results
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Feedback: {e(sub.exercise)}, {e(sub.student)}</title><style>{_STYLE}</style></head>
<body>
<h1>Feedback on exercise {e(sub.exercise)}</h1>
<p>Student <strong>{e(sub.student)}</strong>, submitted {e(sub.submitted_at)}.
Score: <strong>{sub.score:g} of {sub.max_score:g}</strong>.</p>
{counts}
<table><thead><tr><th>question</th><th>score</th><th>result</th><th>details</th></tr></thead>
<tbody>
{rows}
</tbody></table>
<p>Each question was run on the public examples of its <code>check</code> cell and on hidden
examples. The details say what went wrong without showing the hidden examples: fix the problem
they name, run the <code>check</code> cell again, and think about the cases it does not try
(zeros, NaN, other dtypes and shapes).</p>
</body></html>
"""


def write_feedback(gradebook: Path, out: Path) -> list[Path]:
    """Write ``out/STUDENT/EXERCISE_TIME.html`` for every graded submission; return the paths.

    A page whose submission was replaced by a later one of the same exercise says so.

    Raises:
        GradebookError: ``gradebook`` is missing or not a gradebook.
        ValueError: a student or exercise id is not a plain name (``SAFE_NAME``), so its path
            could lead outside ``out``; nothing is written then. The grader records only plain
            names, so such a gradebook was written by something else.
        OSError: a page cannot be written (``out`` is a file, say).
    """
    book = Gradebook(gradebook, create=False)
    subs = book.submissions()
    latest = {(sub.student, sub.exercise): sub for sub in book.latest()}
    for sub in subs:
        if not (SAFE_NAME.fullmatch(sub.student) and SAFE_NAME.fullmatch(sub.exercise)):
            raise ValueError(
                f"refusing to write feedback for student {sub.student[:40]!r}, exercise "
                f"{sub.exercise[:40]!r}: not plain names, they could lead outside {out}"
            )
    written = []
    for sub in subs:
        stamp = "".join(c for c in sub.submitted_at if c.isalnum())
        path = out / sub.student / f"{sub.exercise}_{stamp}.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        last = latest[sub.student, sub.exercise]
        path.write_text(render(sub, None if last.id == sub.id else last))
        written.append(path)
    return written
