"""The ``relu-course`` command: one verb per job of a learner or an instructor.

Each verb imports what it needs when it runs, so ``relu-course --help`` answers at once and
verbs that need only NumPy never pay for importing torch.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from relu_course import __version__
from relu_course.bench import CUDA_CALLS_PER_SAMPLE, FUSION_SIZES


def _info(args: argparse.Namespace) -> int:
    """Print the versions, the device the course's code will use and the grading sandbox."""
    import numpy as np

    from relu_course.grading import seccomp
    from relu_course.grading.sandbox import bwrap, protection

    facts: dict[str, str] = {
        "relu_course": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": str(os.cpu_count()),
        "numpy": np.__version__,
    }
    try:
        import torch

        from relu_course.torch_nn.device import available_devices, best_device
    except ImportError as error:
        facts["torch"] = f"not importable ({error})"
    else:
        facts["torch"] = torch.__version__
        device = best_device()
        facts["device"] = str(device)
        if device.type == "cuda":
            facts["gpu"] = torch.cuda.get_device_name(device)
        facts["devices"] = ", ".join(available_devices())
        from relu_course.torch_nn import triton as kernels

        if kernels.version() is None:
            facts["triton"] = "not installed: ReLUFunction uses torch's kernels"
        else:
            use = "ReLUFunction uses its kernels" if kernels.available() else "unused without CUDA"
            facts["triton"] = f"{kernels.version()}, {use}"
    # What would confine a submission if this machine graded (relu-course grade says it too).
    filtered = " (+ seccomp filter)" if seccomp.supported() else ""
    facts["grading sandbox"] = protection(bwrap() is not None) + filtered
    if args.json:
        print(json.dumps(facts, indent=2))
    else:
        width = max(map(len, facts))
        for key, value in facts.items():
            print(f"{key:<{width}}  {value}")
    return 0


def _gradcheck(args: argparse.Namespace) -> int:
    """Check every hand-written NumPy backward against finite differences."""
    from relu_course.numpy_nn.gradient_report import check_all

    results = check_all(seed=args.seed)
    width = max(len(r.name) for r in results)
    failed = [r for r in results if not r.rel_error < args.tolerance]
    for r in results:
        verdict = "ok" if r.rel_error < args.tolerance else "FAILED"
        print(f"{r.name:<{width}}  rel_error {r.rel_error:.1e}  {verdict}")
    worst = max(r.rel_error for r in results)
    print(
        f"{len(results) - len(failed)} of {len(results)} gradients within tolerance "
        f"{args.tolerance:.0e} (worst {worst:.1e})"
    )
    return 1 if failed else 0


def _release(args: argparse.Namespace) -> int:
    """Write the student exercise notebooks, or check that the committed ones are current."""
    from relu_course.grading.release import check_released, release

    source, out = Path(args.source), Path(args.out)
    if args.check:
        problems = check_released(source, out)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print(
                f"{len(problems)} problem(s): the student notebooks are not releasable",
                file=sys.stderr,
            )
            return 1
        print(f"student notebooks in {out} are current and hold no solution")
        return 0
    try:
        written = release(source, out)
    except OSError as error:
        print(f"relu-course release: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    return 0


def _check(args: argparse.Namespace) -> int:
    """Run a notebook's public checks out of process, as the grader would."""
    from relu_course.grading.check import FINAL_SCORE_NOTE
    from relu_course.grading.grade import check_notebook
    from relu_course.grading.submit import NotebookError

    try:
        ex, results = check_notebook(Path(args.notebook))
    except (NotebookError, OSError) as error:
        print(f"relu-course check: {error}", file=sys.stderr)
        return 2
    width = max(len(r.question) for r in results)
    for r in results:
        print(f"{r.question:<{width}}  {r.status:<12}  {r.message}")
    passed = sum(r.status == "passed" for r in results)
    print(f"{ex.id}: {passed} of {len(results)} questions pass their public checks.")
    print(FINAL_SCORE_NOTE)
    return 0 if passed == len(results) else 1


def _submit(args: argparse.Namespace) -> int:
    """Check a notebook and copy it into an inbox with a manifest."""
    from relu_course.grading import exercises
    from relu_course.grading.submit import NotebookError, submit

    try:
        manifest = submit(Path(args.notebook), args.student, Path(args.inbox))
    except (NotebookError, ValueError, OSError) as error:
        print(f"relu-course submit: {error}", file=sys.stderr)
        return 2
    exercise_id = manifest.parent.name
    print(f"submitted: {manifest.with_suffix('.ipynb')}")
    print(f"manifest:  {manifest}")
    print(f"exercise:  {exercise_id} (read from the notebook)")
    named = Path(args.notebook).stem
    if named != exercise_id and named in exercises():
        print(
            f"relu-course submit: note: the file is named {named} but holds exercise "
            f"{exercise_id}; it was submitted as {exercise_id}",
            file=sys.stderr,
        )
    return 0


def _grade(args: argparse.Namespace) -> int:
    """Grade every new submission of an inbox into the gradebook."""
    from tqdm import tqdm

    from relu_course.grading.grade import grade_inbox, secret_fingerprint
    from relu_course.grading.gradebook import Gradebook

    inbox, secret_file = Path(args.inbox), Path(args.secret)
    if not inbox.is_dir():
        print(f"relu-course grade: no inbox folder {inbox}", file=sys.stderr)
        return 2
    try:
        secret = secret_file.read_bytes()
    except OSError as error:
        print(f"relu-course grade: cannot read the secret {secret_file}: {error.strerror}",
              file=sys.stderr)  # fmt: skip
        return 2

    def bar(items: Any, total: int) -> Any:
        return tqdm(items, total=total, unit="submission", desc="grading", file=sys.stderr)

    try:
        if args.regrade is not None:
            book = Gradebook(Path(args.gradebook), create=False)
            book.claim_secret(secret_fingerprint(secret))  # never forget under another secret
            forgotten = book.forget(args.regrade or None)
            print(f"forgot {forgotten} graded submission(s); grading them again", file=sys.stderr)
        summary = grade_inbox(inbox, Path(args.gradebook), secret, jobs=args.jobs, progress=bar)
    except ValueError as error:
        print(f"relu-course grade: {error}", file=sys.stderr)
        return 2
    failed = f", {summary.failed} FAILED in the grader (see above)" if summary.failed else ""
    skipped = (
        f", {len(summary.problems)} manifest(s) SKIPPED (see above)" if summary.problems else ""
    )
    walls = summary.sandbox.upper() if summary.sandbox == "limits only" else summary.sandbox
    print(
        f"graded {summary.graded} submission(s), {summary.skipped} already in the gradebook"
        f"{failed}{skipped}; sandbox: {walls}"
    )
    return 1 if summary.failed or summary.problems else 0


def _export(args: argparse.Namespace) -> int:
    """Write the gradebook as CSV."""
    from relu_course.grading.gradebook import Gradebook

    try:
        roster = None
        if args.roster:
            lines = Path(args.roster).read_text().splitlines()
            roster = [s for line in lines if (s := line.split("#")[0].strip())]
            if not roster:
                raise ValueError(f"the roster {args.roster} names no student")
        book = Gradebook(Path(args.gradebook), create=False)
        rows = book.export_csv(Path(args.csv), summary=args.summary, roster=roster)
    except (ValueError, OSError) as error:
        print(f"relu-course export: {error}", file=sys.stderr)
        return 2
    if roster is not None:
        strangers = sorted({sub.student for sub in book.latest()} - set(roster))
        if strangers:  # a typo in a student id, or a student missing from the roster
            print(
                f"relu-course export: not on the roster, exported anyway: {', '.join(strangers)}",
                file=sys.stderr,
            )
    print(f"wrote {rows} row(s) to {args.csv}")
    return 0


def _override(args: argparse.Namespace) -> int:
    """Set, or clear, an instructor's score for one question of the submission that counts."""
    from datetime import datetime, timezone

    from relu_course.grading.gradebook import Gradebook

    who = f"{args.student}'s {args.exercise}"
    try:
        book = Gradebook(Path(args.gradebook), create=False)
        if args.clear:
            if args.score is not None or args.reason is not None:
                raise ValueError("--clear takes no SCORE and no --reason")
            sub = book.clear_override(args.student, args.exercise, args.question)
            print(f"{args.question} of {who} (submitted {sub.submitted_at}): the grader's "
                  "score counts again")  # fmt: skip
            return 0
        if args.score is None or args.reason is None:
            raise ValueError("give a SCORE and a --reason, or --clear")
        made_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        sub, graded = book.override(
            args.student, args.exercise, args.question, args.score, args.reason, made_at
        )
    except ValueError as error:
        print(f"relu-course override: {error}", file=sys.stderr)
        return 2
    print(
        f"{args.question} of {who} (submitted {sub.submitted_at}): {args.score:g} of "
        f"{graded.max_score:g}, overriding the grader's {graded.score:g} ({graded.status})"
    )
    return 0


def _list(args: argparse.Namespace) -> int:
    """Print every graded submission, and which one counts."""
    from relu_course.grading.gradebook import Gradebook

    try:
        book = Gradebook(Path(args.gradebook), create=False)
    except ValueError as error:
        print(f"relu-course list: {error}", file=sys.stderr)
        return 2
    subs = book.submissions()
    counting = {sub.id for sub in book.latest()}
    rows = [("student", "exercise", "submitted at", "score", "counts", "note")]
    for sub in subs:
        invalid = next((r.message for r in sub.results if r.status == "invalid"), "")
        overridden = [r.question for r in sub.results if r.status == "overridden"]
        note = f"invalid: {invalid[:60]}" if invalid else ""
        if overridden:
            note = "; ".join(filter(None, (note, f"overridden: {', '.join(overridden)}")))
        rows.append((
            sub.student, sub.exercise, sub.submitted_at, f"{sub.score:g}/{sub.max_score:g}",
            "yes" if sub.id in counting else "no", note,
        ))  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip())
    students = len({sub.student for sub in subs})
    print(f"{len(subs)} graded submission(s) of {students} student(s); {len(counting)} count")
    return 0


def _feedback(args: argparse.Namespace) -> int:
    """Write one feedback page per graded submission."""
    from relu_course.grading.feedback import write_feedback

    try:
        pages = write_feedback(Path(args.gradebook), Path(args.out))
    except (ValueError, OSError) as error:
        print(f"relu-course feedback: {error}", file=sys.stderr)
        return 2
    print(f"wrote {len(pages)} feedback page(s) under {args.out}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    """Time the ReLU implementations against a copy of the same bytes, or against a product."""
    from relu_course.bench import BenchResult, FusionResult, parse_size, run_bench, run_fusion

    result: BenchResult | FusionResult
    try:
        if args.fusion:
            side = None if args.size is None else parse_size(args.size)
            result = run_fusion(args.device, args.dtype, side, args.repeats)
        else:
            size = parse_size("64M" if args.size is None else args.size)
            result = run_bench(args.device, args.dtype, size, args.repeats)
    except ValueError as error:
        print(f"relu-course bench: {error}", file=sys.stderr)
        return 2
    print(result.table())
    if args.json:
        result.save(args.json)
        print(f"wrote {args.json}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``relu-course``, one sub-command per verb."""
    parser = argparse.ArgumentParser(
        prog="relu-course",
        description="Tools of the ReLU course: check the library; release, check, submit and "
        "grade exercise notebooks, list and export grades and write feedback; benchmark ReLU.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", required=True)

    info = verbs.add_parser(
        "info",
        help="show versions, the device the course will use, and the grading sandbox",
        description="Show the versions of Python, NumPy, torch and Triton, the device that "
        "relu_course.torch_nn.best_device() picks, and what would confine a submission "
        "graded on this machine (bubblewrap, Landlock, the seccomp filter, or the limits "
        "only). Useful in bug reports, and to check a machine before grading on it.",
    )
    info.add_argument("--json", action="store_true", help="print the facts as JSON")
    info.set_defaults(run=_info)

    gradcheck = verbs.add_parser(
        "gradcheck",
        help="check every NumPy backward pass against finite differences",
        description="Compare each hand-written backward pass of relu_course.numpy_nn "
        "(activations, layers, losses) with a central-difference numerical gradient in "
        "float64, away from ReLU's kink, and print the relative error of each. "
        "Exits 1 if any is at or above the tolerance.",
    )
    gradcheck.add_argument(
        "--tolerance",
        type=float,
        default=1e-7,
        help="largest relative error that passes (default: 1e-7)",
    )
    gradcheck.add_argument(
        "--seed", type=int, default=0, help="seed of the random inputs (default: 0)"
    )
    gradcheck.set_defaults(run=_gradcheck)

    release = verbs.add_parser(
        "release",
        help="write the student exercise notebooks from the instructor's sources",
        description="Write the student version of each exercise source notebook: every region "
        "between '### BEGIN SOLUTION' and '### END SOLUTION' becomes "
        "'raise NotImplementedError()' (a prompt in markdown), and outputs are dropped. "
        "With --check, write nothing and exit 1 if a student version is missing, stale or "
        "contains a line of a solution.",
    )
    release.add_argument(
        "--source",
        default="notebooks/exercises/source",
        help="folder of source notebooks (default: notebooks/exercises/source)",
    )
    release.add_argument(
        "--out",
        default="notebooks/exercises",
        help="folder of student notebooks (default: notebooks/exercises)",
    )
    release.add_argument(
        "--check", action="store_true", help="check the committed student notebooks instead"
    )
    release.set_defaults(run=_release)

    check = verbs.add_parser(
        "check",
        help="run an exercise notebook's public checks, outside the notebook",
        description="Run every answer of an exercise notebook on its question's public "
        "cases, in a separate sandboxed process as the grader does, and say what is wrong. "
        "These are public checks; the final score comes from hidden checks. Exits 1 if a "
        "question fails, 2 if the file is not an exercise notebook.",
    )
    check.add_argument("notebook", help="the exercise notebook (.ipynb)")
    check.set_defaults(run=_check)

    submit = verbs.add_parser(
        "submit",
        help="check an exercise notebook and copy it into an inbox",
        description="Check that NOTEBOOK is a readable exercise notebook, then copy it into "
        "INBOX/STUDENT/EXERCISE/ with a manifest (student, exercise, time, sha256). The "
        "exercise is read from the notebook, not its file name. INBOX must exist. Nothing "
        "in the inbox is overwritten; each submission is graded, and the latest counts.",
    )
    submit.add_argument("notebook", help="the saved exercise notebook (.ipynb)")
    submit.add_argument("--student", required=True, help="your student id")
    submit.add_argument(
        "--inbox", required=True, help="the folder your instructor gave you (it must exist)"
    )
    submit.set_defaults(run=_submit)

    grade = verbs.add_parser(
        "grade",
        help="grade every new submission of an inbox into a gradebook",
        description="Grade each submission of INBOX not yet in the gradebook. Each runs in a "
        "bubblewrap sandbox (no network, read-only system, no access to the secret, the "
        "gradebook or other submissions) under CPU, memory, process, file-size, disk and time "
        "limits, and returns only values; the grader compares them with the reference on "
        "public cases and on hidden cases derived from the secret. Where the kernel has "
        "Landlock, the worker also confines itself to the same files, without TCP and without "
        "signals to the grader, and on x86-64 and arm64 Linux a seccomp filter refuses it "
        "every socket and any session of its own, so that every process it starts ends with "
        "its run. Without bubblewrap it warns, and runs with Landlock, the filter and the "
        "limits, or without Landlock. Re-running changes nothing already graded. "
        "The gradebook remembers a fingerprint of the secret and refuses another one. "
        "Exits 1 if the grader itself failed on a submission, or a manifest was skipped "
        "(malformed, outside its student's folder, dated in the future, or its notebook not "
        "there yet); it says which, records nothing for them, and sees them again on the "
        "next run. Exits 2 on bad arguments, an unusable gradebook or another secret.",
    )
    grade.add_argument("inbox", help="the folder submissions were copied into")
    grade.add_argument("--gradebook", required=True, help="SQLite gradebook (created if missing)")
    grade.add_argument(
        "--secret", required=True, help="file holding the secret the hidden cases derive from"
    )
    grade.add_argument(
        "--jobs", type=int, default=1, help="submissions graded in parallel (default: 1)"
    )
    grade.add_argument(
        "--regrade",
        nargs="*",
        metavar="STUDENT",
        help="first forget the graded submissions of these students (of everyone, with no "
        "name), then grade them again: after a fix to an exercise or to the grader",
    )
    grade.set_defaults(run=_grade)

    export = verbs.add_parser(
        "export",
        help="write the gradebook as CSV",
        description="Write one row per student, exercise and question, for each student's "
        "latest submission of each exercise: "
        "student,exercise,question,score,max_score,status,message. The file is replaced only "
        "once it is complete, and never if it is the gradebook itself.",
    )
    export.add_argument("--gradebook", required=True, help="the SQLite gradebook")
    export.add_argument("--csv", required=True, help="the CSV file to write")
    export.add_argument(
        "--roster",
        help="a file of student ids, one a line ('#' starts a comment): those who did not "
        "submit an exercise get 0 points for it (status not_submitted), and ids graded but "
        "not on it are named",
    )
    export.add_argument(
        "--summary",
        action="store_true",
        help="one row per student and exercise instead: "
        "student,exercise,score,max_score,submitted_at,submissions (the total of the "
        "submission that counts, its time, and how many were graded)",
    )
    export.set_defaults(run=_export)

    override = verbs.add_parser(
        "override",
        help="set an instructor's score for one question, with a reason",
        description="Give QUESTION of the submission of STUDENT for EXERCISE that counts (the "
        "latest) the score SCORE, from 0 to the question's points, instead of the grader's. "
        "The reason is shown to the student on the feedback page, and export, feedback and "
        "list show the override beside what the grader gave. The override belongs to that "
        "submission: it outlives grade --regrade, and a later submission is graded as usual.",
    )
    override.add_argument("--gradebook", required=True, help="the SQLite gradebook")
    override.add_argument("student", metavar="STUDENT")
    override.add_argument("exercise", metavar="EXERCISE", help="such as 02_relu_definition")
    override.add_argument("question", metavar="QUESTION", help="the question's id, such as relu")
    override.add_argument("score", metavar="SCORE", type=float, nargs="?", help="the points")
    override.add_argument("--reason", help="why; required with SCORE")
    override.add_argument(
        "--clear", action="store_true", help="remove the override: the grader's score counts"
    )
    override.set_defaults(run=_override)

    listing = verbs.add_parser(
        "list",
        help="print every graded submission of a gradebook",
        description="Print one line per graded submission: student, exercise, submission "
        "time, score, whether it counts (the latest of its student and exercise) and, for an "
        "invalid one, why.",
    )
    listing.add_argument("--gradebook", required=True, help="the SQLite gradebook")
    listing.set_defaults(run=_list)

    feedback = verbs.add_parser(
        "feedback",
        help="write one HTML feedback page per graded submission",
        description="Write OUT/STUDENT/EXERCISE_TIME.html for each graded submission: the "
        "score of each question and what went wrong, in words, without hidden inputs. The page "
        "of a submission that a later one replaced says that it does not count.",
    )
    feedback.add_argument("--gradebook", required=True, help="the SQLite gradebook")
    feedback.add_argument("--out", required=True, help="folder for the pages")
    feedback.set_defaults(run=_feedback)

    bench = verbs.add_parser(
        "bench",
        help="measure ReLU's bandwidth against a copy of the same bytes",
        description="Time every ReLU implementation (the course's NumPy and torch versions, "
        "np.maximum, x * (x > 0), np.where, torch.relu, the course's autograd Function, the "
        "Triton kernel on CUDA) forward and backward, and sigmoid, tanh, GELU and ELU, each "
        "against the library's fastest copy of the same bytes measured in the same run "
        "(for NumPy, the faster of np.copyto on one core and split across threads). Prints "
        "GB/s and the ratio to that copy (1.0 = memory speed). With --fusion, time instead "
        "what a ReLU adds to the matrix product of a linear layer, b + x @ w: as a pass of its "
        "own, and fused into the product (torch._addmm_activation; cuBLASLt's epilogue on "
        "CUDA).",
    )
    bench.add_argument("--device", choices=("cpu", "cuda"), default="cpu", help="default: cpu")
    bench.add_argument(
        "--dtype",
        choices=("float16", "bfloat16", "float32", "float64"),
        default="float32",
        help="default: float32 (bfloat16: torch only)",
    )
    bench.add_argument(
        "--size",
        help="elements per array, such as 64M or 1e6 (default: 64M); with --fusion, the side "
        f"of the square matrices (default: {FUSION_SIZES['cpu']} on the CPU, "
        f"{FUSION_SIZES['cuda']} on CUDA)",
    )
    bench.add_argument(
        "--fusion",
        action="store_true",
        help="time a matrix product with and without ReLU, separate and fused (torch)",
    )
    bench.add_argument(
        "--repeats",
        type=int,
        default=9,
        help=f"timed samples, median kept (default 9); on CUDA a sample times "
        f"{CUDA_CALLS_PER_SAMPLE} calls in a row",
    )
    bench.add_argument("--json", help="also write the results, machine and versions as JSON")
    bench.set_defaults(run=_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``relu-course`` with ``argv`` (default: the command line) and return the exit code."""
    args = build_parser().parse_args(argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
