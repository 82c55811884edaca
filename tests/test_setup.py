"""The two commands: the environment stamp, and the book that `make book` builds."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_an_unchanged_environment_is_not_reinstalled():
    # `make -q` exits 0 when the target is up to date and 1 when its recipe would run.
    up_to_date = subprocess.run(["make", "-q", "venv"], cwd=ROOT, check=False)
    assert up_to_date.returncode == 0
    requirements_changed = subprocess.run(
        ["make", "-q", "-W", "requirements.txt", "venv"], cwd=ROOT, check=False
    )
    assert requirements_changed.returncode == 1


@pytest.fixture(scope="module")
def built_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("book")
    result = subprocess.run(
        [BIN / "jupyter-book", "build", ROOT, "--path-output", out, "-W", "--keep-going"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "WARNING" not in result.stdout + result.stderr
    return out / "_build" / "html"


def test_the_book_builds_its_pages(built_book):
    assert (built_book / "index.html").is_file()
    assert (built_book / "book" / "intro.html").is_file()


def test_math_is_served_from_the_site_not_a_cdn(built_book):
    page = (built_book / "book" / "intro.html").read_text()
    sources = re.findall(r'<script[^>]+src="([^"]*mathjax[^"]*)"', page, flags=re.IGNORECASE)
    assert sources, "no MathJax script on the intro page"
    for src in sources:
        assert "://" not in src, f"MathJax loaded from the network: {src}"
        assert (built_book / "book" / src).resolve().is_file(), f"missing {src}"
