"""What `make book` produces: every page of the table of contents, served without a network."""

from __future__ import annotations

import re
from pathlib import Path

from tests.book.conftest import ROOT, toc_files


def test_every_page_in_the_toc_is_built(built_book: Path):
    for page in toc_files():
        assert (built_book / f"{page}.html").is_file(), f"{page} is in _toc.yml but was not built"
    assert (built_book / "index.html").is_file()


def test_every_chapter_and_exercise_notebook_is_in_the_toc():
    listed = set(toc_files())
    chapters = sorted(ROOT.glob("notebooks/[0-9][0-9]_*.ipynb"))
    exercises = sorted(ROOT.glob("notebooks/exercises/[0-9][0-9]_*.ipynb"))
    assert chapters, "no chapter notebooks"
    for notebook in chapters + exercises:
        page = notebook.relative_to(ROOT).with_suffix("").as_posix()
        assert page in listed, f"{page} exists but is not in _toc.yml"


def test_math_is_served_from_the_site_not_a_cdn(built_book: Path):
    for page in toc_files():
        html = (built_book / f"{page}.html").read_text()
        for src in re.findall(r'<script[^>]+src="([^"]*mathjax[^"]*)"', html, flags=re.I):
            assert "://" not in src, f"{page} loads MathJax from the network: {src}"
            assert (built_book / page).parent.joinpath(src).resolve().is_file(), f"missing {src}"
    intro = (built_book / "book" / "intro.html").read_text()
    assert re.search(r'<script[^>]+src="[^"]*mathjax', intro, flags=re.I), "no MathJax on intro"


def test_logo_favicon_and_bibliography(built_book: Path):
    intro = (built_book / "book" / "intro.html").read_text()
    assert re.search(r'<link rel="icon" href="[^"]*favicon\.png"', intro)
    assert re.search(r'<img src="[^"]*logo\.png"', intro)
    references = (built_book / "book" / "references.html").read_text()
    for author in ("Goodfellow", "Chollet", "Glorot", "Nair"):
        assert author in references
