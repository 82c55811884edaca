"""The book as its readers get it: built once per test session, with warnings as errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def toc_files() -> list[str]:
    """Every page of `_toc.yml`, root first, as paths without suffix relative to the repo."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(entries: list[dict]) -> None:
        for entry in entries:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections", []) + entry.get("chapters", []))

    for part in toc.get("parts", []):
        walk(part["chapters"])
    walk(toc.get("chapters", []))
    return files


@pytest.fixture(scope="session")
def built_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the book into a temporary folder as `make book` does; return its `html` folder."""
    out = tmp_path_factory.mktemp("book")
    result = subprocess.run(
        [BIN / "jupyter-book", "build", ROOT, "--path-output", out, "-W", "--keep-going"],
        capture_output=True,
        text=True,
        check=False,
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-4000:]
    assert "WARNING" not in log, log[-4000:]
    return out / "_build" / "html"
