"""submit: what it accepts, what it refuses (with a message saying why), and what it writes."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timezone

import pytest

from relu_course.cli import main
from relu_course.grading.submit import NotebookError, answer_cells, notebook_exercise, submit
from tests.grading.conftest import SOURCES, STUDENT


def test_submit_copies_the_notebook_with_a_manifest(tmp_path):
    notebook = STUDENT / "02_relu_definition.ipynb"
    when = datetime(2026, 11, 3, 14, 5, 6, tzinfo=timezone.utc)
    (tmp_path / "inbox").mkdir()
    manifest_path = submit(notebook, "ada.l", tmp_path / "inbox", now=when)
    manifest = json.loads(manifest_path.read_text())
    data = notebook.read_bytes()
    assert manifest["student"] == "ada.l"
    assert manifest["exercise"] == "02_relu_definition"
    assert manifest["submitted_at"] == "2026-11-03T14:05:06+00:00"
    assert manifest["sha256"] == hashlib.sha256(data).hexdigest()
    copy = manifest_path.parent / manifest["notebook"]
    assert copy.read_bytes() == data
    assert manifest_path.parent == tmp_path / "inbox" / "ada.l" / "02_relu_definition"


def test_submitting_twice_keeps_both(tmp_path):
    first = submit(SOURCES / "01_deep_learning.ipynb", "s1", tmp_path)
    second = submit(SOURCES / "01_deep_learning.ipynb", "s1", tmp_path)
    assert first != second
    assert first.is_file()
    assert second.is_file()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x00\x01 binary", "is not a notebook (not valid JSON"),
        (b'{"a": 1}', "is JSON but not a Jupyter notebook"),
        (b'{"cells": [], "metadata": {}}', "is not one of the course's exercise notebooks"),
        (b"[" * 100_000 + b"]" * 100_000, "is not a notebook (not valid JSON: nested too deeply"),
        (b'{"cells": [], "metadata": []}', "has malformed metadata"),
        (b'{"cells": [], "metadata": {"relu_course": 3}}', "has malformed metadata"),
        (b'{"cells": [{"source": "", "metadata": [1]}]}', "has a malformed cell"),
        (b'{"cells": [{"metadata": {"nbgrader": "x"}}]}', "has a malformed cell"),
        (b'{"cells": [{"cell_type": 7}]}', "has a malformed cell"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_written(tmp_path, content, message):
    bad = tmp_path / "bad.ipynb"
    bad.write_bytes(content)
    (tmp_path / "inbox").mkdir()
    with pytest.raises(NotebookError, match=re.escape(message)):
        submit(bad, "s1", tmp_path / "inbox")
    assert list((tmp_path / "inbox").iterdir()) == []


def test_missing_file_and_bad_student_ids(tmp_path):
    with pytest.raises(NotebookError, match="cannot read"):
        submit(tmp_path / "nope.ipynb", "s1", tmp_path)
    for student in ("", "../etc", "a b", "x" * 65):
        with pytest.raises(ValueError, match="student id"):
            submit(SOURCES / "01_deep_learning.ipynb", student, tmp_path)


def test_cli_submit_reports_errors_on_stderr(tmp_path, capsys):
    bad = tmp_path / "bad.ipynb"
    bad.write_text("not json")
    assert main(["submit", str(bad), "--student", "s1", "--inbox", str(tmp_path)]) == 2
    assert "not valid JSON" in capsys.readouterr().err
    notebook = str(STUDENT / "01_deep_learning.ipynb")
    assert main(["submit", notebook, "--student", "s1", "--inbox", str(tmp_path)]) == 0
    assert "submitted:" in capsys.readouterr().out


def test_a_mistyped_inbox_is_refused_and_a_misnamed_file_is_pointed_out(tmp_path, capsys):
    notebook = STUDENT / "01_deep_learning.ipynb"
    typo = tmp_path / "inbxo" / "deep"
    with pytest.raises(FileNotFoundError, match="no inbox folder"):
        submit(notebook, "s1", typo)
    assert not (tmp_path / "inbxo").exists()
    assert main(["submit", str(notebook), "--student", "s1", "--inbox", str(typo)]) == 2
    assert "use the folder your instructor gave you" in capsys.readouterr().err
    # Exercise 01's notebook saved under exercise 02's name is submitted as 01, and said so.
    misnamed = tmp_path / "02_relu_definition.ipynb"
    misnamed.write_bytes(notebook.read_bytes())
    assert main(["submit", str(misnamed), "--student", "s1", "--inbox", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert "exercise:  01_deep_learning (read from the notebook)" in out
    assert "named 02_relu_definition but holds exercise 01_deep_learning" in err


def _cell(grade_id: object, solution: bool) -> dict:
    nbgrader = {"grade_id": grade_id, "solution": solution, "grade": not solution}
    return {"cell_type": "code", "source": "", "metadata": {"nbgrader": nbgrader}}


def test_answer_cells_are_solution_cells_with_a_grade_id():
    nb = {"cells": [
        _cell("relu", True),
        _cell("relu_tests", False),  # an autograder test cell: graded, but not an answer
        _cell(7, True),  # not a usable id
        {"cell_type": "code", "source": "", "metadata": {}},
        _cell("relu", True),  # a duplicate: both indexes, for the grader to report
    ]}  # fmt: skip
    assert answer_cells(nb) == {"relu": [0, 4]}


def test_the_exercise_comes_from_the_metadata_then_from_the_answer_cells():
    cells = [_cell("count_parameters", True)]  # a question of exercise 01
    named = {"metadata": {"relu_course": {"exercise": "02_relu_definition"}}, "cells": cells}
    assert notebook_exercise(named).id == "02_relu_definition"
    unknown = {"metadata": {"relu_course": {"exercise": "99_nothing"}}, "cells": cells}
    assert notebook_exercise(unknown).id == "01_deep_learning"
    assert notebook_exercise({"metadata": [], "cells": cells}).id == "01_deep_learning"
    assert notebook_exercise({"metadata": {}, "cells": [_cell("nothing", True)]}) is None
