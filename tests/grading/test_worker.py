"""The sandboxed worker stays light: it imports NumPy, not torch (DESIGN section 6)."""

from __future__ import annotations

import subprocess
import sys


def test_the_worker_and_check_import_without_torch():
    code = (
        "import sys, relu_course.grading.worker, relu_course.grading.check\n"
        "print('torch' in sys.modules, 'scipy' in sys.modules, 'nbformat' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "False"]
