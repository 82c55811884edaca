"""The environment that both `make` commands build (the book itself is tested in tests/book)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_an_unchanged_environment_is_not_reinstalled():
    # `make -q` exits 0 when the target is up to date and 1 when its recipe would run.
    up_to_date = subprocess.run(["make", "-q", "venv"], cwd=ROOT, check=False)
    assert up_to_date.returncode == 0
    requirements_changed = subprocess.run(
        ["make", "-q", "-W", "requirements.txt", "venv"], cwd=ROOT, check=False
    )
    assert requirements_changed.returncode == 1
