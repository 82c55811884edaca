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


# --------------------------------------------------------------------------- numbers in prose

# A decimal in the prose, with what scales it: a percent sign, "million", or "\times 10^{k}".
_QUOTED = re.compile(
    r"(?<![\w.])(\d+(?:,\d{3})*\.\d+)"
    r"(?:(\s*%|\s+percent)|(\s+million)|\s*\\times\s*10\^\{(-?\d+)\})?"
)
_PRINTED = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?(?:[eE][+-]?\d+)?")

# Decimals in the prose that no cell prints, each with the reason: constants and arithmetic
# done in the text, and figures cited from a paper (checked against the paper).
NOT_PRINTED = {
    "01_deep_learning": {
        "0.693": "ln 2, the loss of a model that answers 1/2",
        "0.535": "1 - 0.465, the share of class 0 the cell prints",
    },
    "02_relu_definition": {"1.25": "1/(1 - p) for p = 0.2"},
    "03_properties": {
        "0.0001": "an interval's end, [0.0001, 0.9999]",
        "0.9999": "an interval's end, [0.0001, 0.9999]",
    },
    "04_tradeoffs": {"3.1": "section 3.1 of Krizhevsky et al. 2012"},
    "05_feedforward": {
        "0.05": "the chosen SmoothL1 beta",
        "1.6": "beta = 0.05 of a 32-pixel image, in pixels",
    },
    "07_rnn_transformer": {
        "11.3": "sqrt(128), the bound on a tanh state's norm",
        "0.58": "1/sqrt(3), the theory's prediction",
        "4.54": "ln 94, the loss of a uniform guess",
        "0.8": "the chosen sampling temperature",
    },
    "08_why_relu": {"1.2": "ImageNet top-1 points, cited from Hendrycks and Gimpel"},
}


def prose_for_numbers(nb: nbformat.NotebookNode) -> str:
    """The markdown without code (fenced or inline), roles' targets and link targets."""
    text = re.sub(r"```.*?```", " ", markdown(nb), flags=re.S)
    text = re.sub(r"`[^`]*`", " ", text)
    return re.sub(r"\]\([^)]*\)", "]", text)


def printed_numbers(nb: nbformat.NotebookNode) -> list[float]:
    """Every number in the text outputs of the code cells whose outputs nbval checks.

    Cells marked ``NBVAL_IGNORE_OUTPUT`` (timings) print different numbers on every run, so
    the prose cannot rely on them, and one of them matching a cited number by chance must not
    change the verdict.
    """
    texts = []
    for cell in nb.cells:
        if cell.cell_type != "code" or "NBVAL_IGNORE_OUTPUT" in cell.source:
            continue
        for output in cell.get("outputs", []):
            texts.append(output.get("text", ""))
            texts.append(output.get("data", {}).get("text/plain", ""))
    return [float(m.replace(",", "")) for m in _PRINTED.findall("\n".join(texts))]


def unprinted_numbers(prose: str, printed: list[float]) -> list[str]:
    """The decimals of ``prose`` that no printed number rounds to, at the prose's precision."""
    missing = []
    for match in _QUOTED.finditer(prose):
        literal, percent, million, power = match.groups()
        digits = literal.replace(",", "")
        scale = 0.01 if percent else 1e6 if million else 10.0 ** int(power) if power else 1.0
        value = float(digits) * scale
        half_unit = 0.5 * 10.0 ** -len(digits.split(".")[1]) * scale
        if not any(abs(p - value) <= half_unit * (1 + 1e-9) for p in printed):
            missing.append(literal)
    return missing


def test_every_number_in_the_prose_is_printed_by_a_cell(chapter):
    """A decimal in the prose must round from some output of the chapter (DESIGN: numbers are
    measured by the notebook that prints them). This catches prose left behind by a
    re-execution unless the old number happens to be printed elsewhere in the chapter too;
    integers are not checked."""
    path, nb = chapter
    allowed = NOT_PRINTED.get(path.stem, {})
    missing = unprinted_numbers(prose_for_numbers(nb), printed_numbers(nb))
    assert [n for n in missing if n not in allowed] == [], (
        "numbers in the prose that no cell prints: re-execute and update the prose, or add "
        "a constant or a citation to NOT_PRINTED with its reason"
    )
    assert set(allowed) <= set(missing), "NOT_PRINTED lists a number the chapter now prints"


def test_the_number_check_catches_a_stale_number():
    printed = [0.9456, 2586240.0, 4.3e-13, 0.465]
    fine = "Accuracy 0.95 (0.946), 2.6 million values, $4.3 \\times 10^{-13}$, 46.5% class 1."
    assert unprinted_numbers(fine, printed) == []
    stale = "Accuracy 0.97, 2.7 million values, $4.4 \\times 10^{-13}$, 47.5 percent."
    assert unprinted_numbers(stale, printed) == ["0.97", "2.7", "4.4", "47.5"]


def test_timing_cells_back_no_number_of_the_prose():
    def cell(source: str, text: str) -> nbformat.NotebookNode:
        code = nbformat.v4.new_code_cell(source)
        code.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
        return code

    nb = nbformat.v4.new_notebook(
        cells=[
            cell("print(f'{acc:.4f}')", "0.9456\n"),
            cell("# NBVAL_IGNORE_OUTPUT\nprint(f'{seconds:.1f} s')", "1.2 s\n"),
        ]
    )
    assert printed_numbers(nb) == [0.9456]
