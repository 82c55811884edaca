"""Each chapter notebook has the shape DESIGN section 5 asks of a chapter."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from tests.book.conftest import ROOT

CHAPTERS = sorted(ROOT.glob("notebooks/[0-9][0-9]_*.ipynb"))


def markdown(nb: nbformat.NotebookNode) -> str:
    return "\n\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")


def prose_words(text: str) -> int:
    text = re.sub(r"```.*?```", " ", text, flags=re.S)  # code and directives
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)  # display math
    return len(re.findall(r"[A-Za-z][A-Za-z'-]*", text))


@pytest.fixture(params=CHAPTERS, ids=[path.stem for path in CHAPTERS])
def chapter(request: pytest.FixtureRequest) -> tuple[Path, nbformat.NotebookNode]:
    return request.param, nbformat.read(request.param, as_version=4)


def test_one_title_goals_and_a_textbook_length_of_prose(chapter):
    _, nb = chapter
    text = markdown(nb)
    assert len(re.findall(r"^# ", text, flags=re.M)) == 1
    assert nb.cells[0].cell_type == "markdown"
    assert nb.cells[0].source.startswith("# ")
    assert re.search(r"learning goals|you will learn", text, flags=re.I)
    assert prose_words(text) >= 1500


def test_ends_with_a_summary_and_a_link_to_its_exercises(chapter):
    path, nb = chapter
    headings = re.findall(r"^## (.+)$", markdown(nb), flags=re.M)
    assert any("Summary" in h for h in headings), headings
    assert headings[-1].strip() == "Exercises", headings
    last = markdown(nb).rsplit("## Exercises", 1)[1]
    assert f"(exercises/{path.name})" in last
    assert (path.parent / "exercises" / path.name).is_file()


def test_is_executed_with_outputs_committed(chapter):
    _, nb = chapter
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code
    assert all(cell.execution_count is not None for cell in code), "unexecuted code cell"
    counts = [cell.execution_count for cell in code]
    assert counts == list(range(1, len(code) + 1)), "not run top to bottom in one kernel"


def test_every_figure_has_a_caption_and_alt_text(chapter):
    _, nb = chapter
    figures = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        images = [out for out in cell.outputs if "image/png" in out.get("data", {})]
        if not images:
            continue
        figures += len(images)
        meta = cell.metadata.get("mystnb", {})
        assert meta.get("figure", {}).get("caption"), cell.source[:80]
        assert meta.get("figure", {}).get("name"), cell.source[:80]
        assert meta.get("image", {}).get("alt"), cell.source[:80]
    assert figures >= 1


def test_no_errors_or_warnings_in_the_outputs(chapter):
    _, nb = chapter
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert out.output_type != "error", cell.source[:80]
            assert out.get("name") != "stderr", out.get("text", "")[:200]
