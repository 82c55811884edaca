"""The built book in a real browser (headless Chromium, network closed), page by page.

Every page of the table of contents must load without script errors, show its formulas typeset
by MathJax (no raw `\\(` or `$$` left in the text), load every image, and link only to pages and
anchors that exist. Requests to anything but the built site are refused, as on a machine
without internet.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.book.conftest import toc_files

# index.html only redirects to the root page, which is visited as itself.
PAGES = toc_files()

# The text a reader sees, without code, outputs and the typeset formulas themselves.
VISIBLE_PROSE = """() => {
  const root = (document.querySelector('main') || document.body).cloneNode(true);
  root.querySelectorAll('pre, code, script, style, mjx-container, .cell_output, .output')
      .forEach((e) => e.remove());
  return root.textContent;
}"""

MATH_STATE = """() => {
  const math = Array.from(document.querySelectorAll('main .math'));
  return {
    total: math.length,
    typeset: math.filter((e) => e.querySelector('mjx-container')).length,
    errors: document.querySelectorAll('mjx-merror').length,
  };
}"""

BROKEN_IMAGES = """() => Array.from(document.images)
  .filter((img) => !(img.complete && img.naturalWidth > 0)).map((img) => img.src)"""


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("the browser tests need Chromium: `make system` installs it (apt chromium)")
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), args=["--no-sandbox", "--disable-gpu"]
        )
        yield browser
        browser.close()


class Visit:
    """One page opened with the network closed, and what went wrong while it loaded."""

    def __init__(self, browser: Browser, url: str) -> None:
        self.context = browser.new_context()
        self.refused: list[str] = []
        self.failed: list[str] = []
        self.script_errors: list[str] = []
        self.context.route(re.compile(r"^(?!file:)"), self._refuse)
        self.page: Page = self.context.new_page()
        self.page.on("pageerror", lambda error: self.script_errors.append(str(error)))
        self.page.on("requestfailed", self._failed)
        self.page.goto(url, wait_until="load")
        # MathJax typesets after loading; its startup promise settles when it is done.
        self.page.evaluate(
            "async () => { if (window.MathJax && MathJax.startup && MathJax.startup.promise)"
            " { await MathJax.startup.promise; } }"
        )

    def _refuse(self, route) -> None:
        self.refused.append(route.request.url)
        route.abort()

    def _failed(self, request) -> None:
        if request.url.startswith("file:"):
            self.failed.append(request.url)


@pytest.fixture(scope="module")
def visits(browser: Browser, built_book: Path) -> Iterator[dict[str, Visit]]:
    opened = {page: Visit(browser, (built_book / f"{page}.html").as_uri()) for page in PAGES}
    yield opened
    for visit in opened.values():
        visit.context.close()


@pytest.mark.parametrize("page", PAGES)
def test_page_loads_offline_without_errors(visits, page):
    visit = visits[page]
    assert visit.page.title(), "page has no title"
    assert not visit.failed, f"files of the site that failed to load: {visit.failed}"
    assert not visit.script_errors, visit.script_errors
    assert not visit.refused, f"the page asked the network for: {visit.refused}"


@pytest.mark.parametrize("page", PAGES)
def test_math_is_typeset(visits, page):
    visit = visits[page]
    state = visit.page.evaluate(MATH_STATE)
    assert state["typeset"] == state["total"], f"untypeset formulas: {state}"
    assert state["errors"] == 0, f"MathJax errors: {state}"
    prose = visit.page.evaluate(VISIBLE_PROSE)
    for raw in (r"\(", r"\)", r"\[", r"\]", "$$"):
        assert raw not in prose, f"raw {raw!r} in the rendered text"
    assert not re.search(r"\$[^$\s][^$\n]*\$", prose), "raw $...$ math in the rendered text"


def test_pages_with_formulas_have_them_typeset(visits):
    # Guard against a vacuous pass: the chapters and the intro do contain formulas.
    for page in ("book/intro", "notebooks/01_deep_learning", "notebooks/02_relu_definition"):
        assert visits[page].page.evaluate(MATH_STATE)["total"] > 0, page
        assert visits[page].page.locator("mjx-container").count() > 0, page


@pytest.mark.parametrize("page", PAGES)
def test_every_image_loads(visits, page):
    assert visits[page].page.evaluate(BROKEN_IMAGES) == []


def test_chapters_show_their_figures(visits):
    for page in PAGES:
        if page.startswith("notebooks/0"):
            figures = visits[page].page.locator("figure img")
            assert figures.count() >= 1, f"{page} shows no figure"


def _ids(path: Path, cache: dict[Path, set[str]]) -> set[str]:
    if path not in cache:
        cache[path] = set(re.findall(r'\sid="([^"]+)"', path.read_text(errors="replace")))
    return cache[path]


def test_no_broken_internal_links(visits, built_book):
    ids: dict[Path, set[str]] = {}
    broken = []
    for page, visit in visits.items():
        hrefs = visit.page.evaluate(
            "() => Array.from(document.querySelectorAll('a[href]')).map((a) => a.href)"
        )
        for href in hrefs:
            url = urlsplit(href)
            if url.scheme != "file":
                continue
            target = Path(unquote(url.path))
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{page}: {href}")
            elif (
                url.fragment
                and target.suffix == ".html"
                and unquote(url.fragment) not in _ids(target, ids)
            ):
                broken.append(f"{page}: {href} (no such anchor)")
    assert not broken, "\n".join(broken)
