"""Grading throughput: ``relu-course grade --jobs 2`` against ``nbgrader autograde``, one run.

The same 40 submissions of exercise 01_deep_learning (each a correct, complete notebook) are
graded twice:

* by ``relu-course grade --jobs 2``, with the bubblewrap sandbox when ``bwrap`` is installed,
  on the public and the hidden cases of each question;
* by ``nbgrader autograde`` (nbgrader 0.9.6, installed by this script into its own virtual
  environment, ``benchmarks/.venv-nbgrader``) on an equivalent nbgrader assignment: the same
  answer cells, and test cells asserting the same public cases with NumPy.

It prints the submissions per minute of each and their ratio, and writes them as JSON when asked.
Run it with ``make bench-grading`` (or ``.venv/bin/python benchmarks/grading_vs_nbgrader.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import nbformat

from relu_course.grading.questions import exercise
from relu_course.grading.sandbox import bwrap, protection
from relu_course.grading.submit import answer_cells, submit

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "notebooks" / "exercises" / "source" / "01_deep_learning.ipynb"
NBGRADER_VENV = ROOT / "benchmarks" / ".venv-nbgrader"
NBGRADER = "nbgrader==0.9.6"


def nbgrader_python() -> Path:
    """The Python of a virtual environment with nbgrader and NumPy, made on first use."""
    python = NBGRADER_VENV / "bin" / "python"
    if not (
        python.exists()
        and subprocess.run([python, "-c", "import nbgrader"], check=False).returncode == 0
    ):
        subprocess.run([sys.executable, "-m", "venv", "--clear", NBGRADER_VENV], check=True)
        subprocess.run(
            [
                python,
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                NBGRADER,
                "numpy",
            ],
            check=True,
        )
    return python


def nbgrader_notebook() -> nbformat.NotebookNode:
    """The exercise as an nbgrader assignment: our answer cells, NumPy test cells."""
    nb = nbformat.read(SOURCE, as_version=4)
    ex = exercise("01_deep_learning")
    cells = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        grade_id = meta.get("grade_id", "")
        if grade_id == "setup":
            cell = nbformat.v4.new_code_cell("import numpy as np")
        elif grade_id.startswith("check_"):
            q = ex.question(grade_id.removeprefix("check_"))
            lines = ["import numpy as np"]
            for case in q.public_cases:
                args = ", ".join(
                    f"np.array({a.tolist()!r})" if hasattr(a, "tolist") else repr(a) for a in case
                )
                want = q.reference(*case)
                if isinstance(want, tuple):
                    lines.append(f"got = {q.id}({args})")
                    for i, part in enumerate(want):
                        lines.append(f"assert np.allclose(got[{i}], np.array({part.tolist()!r}))")
                else:
                    want_text = repr(want.tolist() if hasattr(want, "tolist") else want)
                    lines.append(f"assert np.allclose({q.id}({args}), {want_text})")
            cell = nbformat.v4.new_code_cell("\n".join(lines))
            cell.metadata["nbgrader"] = {
                "grade": True, "grade_id": grade_id, "locked": True, "points": q.points,
                "schema_version": 3, "solution": False, "task": False,
            }  # fmt: skip
        cells.append(cell)
    nb.cells = cells
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


def time_nbgrader(count: int, work: Path) -> float:
    """Seconds ``nbgrader autograde`` takes for ``count`` submissions."""
    python = nbgrader_python()
    course = work / "nbgrader"
    (course / "source" / "ex01").mkdir(parents=True)
    nbformat.write(nbgrader_notebook(), course / "source" / "ex01" / "ex01.ipynb")
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.course_id = 'relu'\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
    )
    nbgrader = [python, "-m", "nbgrader"]
    # nbgrader runs its own tools (alembic) by name: its environment's bin comes first.
    env = {**os.environ, "PATH": f"{python.parent}{os.pathsep}{os.environ.get('PATH', '')}"}

    def run(*args: str) -> None:
        subprocess.run([*nbgrader, *args], cwd=course, check=True, capture_output=True, env=env)

    run("generate_assignment", "ex01", "--force")
    submission = nbgrader_notebook()
    for i in range(count):
        folder = course / "submitted" / f"s{i:02d}" / "ex01"
        folder.mkdir(parents=True)
        nbformat.write(submission, folder / "ex01.ipynb")
    start = time.perf_counter()
    run("autograde", "ex01", "--create")
    seconds = time.perf_counter() - start
    graded = len(list((course / "autograded").glob("*/ex01/ex01.ipynb")))
    if graded != count:
        raise RuntimeError(f"nbgrader graded {graded} of {count} submissions")
    return seconds


def time_relu_course(count: int, work: Path, jobs: int) -> float:
    """Seconds ``relu-course grade --jobs JOBS`` takes for ``count`` submissions."""
    inbox, secret = work / "inbox", work / "secret.key"
    inbox.mkdir()
    secret.write_text("benchmark secret 8c3f0a9d")
    for i in range(count):
        submit(SOURCE, f"s{i:02d}", inbox)
    command = [
        Path(sys.executable).parent / "relu-course", "grade", inbox,
        "--gradebook", work / "grades.sqlite", "--secret", secret, "--jobs", str(jobs),
    ]  # fmt: skip
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    seconds = time.perf_counter() - start
    export = [
        Path(sys.executable).parent / "relu-course", "export",
        "--gradebook", work / "grades.sqlite", "--csv", work / "g.csv",
    ]  # fmt: skip
    rows = subprocess.run(export, check=True, capture_output=True, text=True).stdout
    expected_rows = count * len(answer_cells(json.loads(SOURCE.read_text())))
    if f"wrote {expected_rows} row" not in rows:
        raise RuntimeError(f"relu-course graded fewer submissions than {count}: {rows}")
    return seconds


def main() -> int:
    """Run the benchmark and print (and optionally save) the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "ours").mkdir()
        ours = time_relu_course(args.submissions, work / "ours", args.jobs)
        theirs = time_nbgrader(args.submissions, work)
    per_minute_ours = 60 * args.submissions / ours
    per_minute_theirs = 60 * args.submissions / theirs
    result = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}",
        "submissions": args.submissions,
        "relu_course": {
            "command": f"relu-course grade --jobs {args.jobs}",
            "sandbox": protection(bwrap() is not None),
            "seconds": round(ours, 2),
            "per_minute": round(per_minute_ours, 1),
        },
        "nbgrader": {
            "command": f"nbgrader autograde ({NBGRADER})",
            "sandbox": "none",
            "seconds": round(theirs, 2),
            "per_minute": round(per_minute_theirs, 1),
        },
        "ratio": round(per_minute_ours / per_minute_theirs, 2),
    }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
