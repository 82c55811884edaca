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

from relu_course import __version__


def _info(args: argparse.Namespace) -> int:
    """Print the versions and the device the course's code will use."""
    import numpy as np

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
    from pathlib import Path

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
    for path in release(source, out):
        print(f"wrote {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``relu-course``, one sub-command per verb."""
    parser = argparse.ArgumentParser(
        prog="relu-course",
        description="Tools of the ReLU course: check the library, release exercise notebooks, "
        "and (in later releases) check, submit and grade exercises, and benchmark.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", required=True)

    info = verbs.add_parser(
        "info",
        help="show versions and the device (CPU or CUDA GPU) the course will use",
        description="Show the versions of Python, NumPy and torch, and the device that "
        "relu_course.torch_nn.best_device() picks. Useful in bug reports.",
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``relu-course`` with ``argv`` (default: the command line) and return the exit code."""
    args = build_parser().parse_args(argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
