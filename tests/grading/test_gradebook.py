"""The gradebook's export and feedback, and the grading verbs of the command line."""

from __future__ import annotations

import csv

import nbformat
import numpy as np

from relu_course.cli import main
from relu_course.grading.feedback import write_feedback
from relu_course.grading.grade import hidden_rng
from relu_course.grading.gradebook import (
    CSV_COLUMNS,
    SUMMARY_COLUMNS,
    Gradebook,
    QuestionResult,
    SubmissionRecord,
)
from relu_course.grading.questions import exercise
from tests.grading.conftest import SECRET, SOURCES, STUDENT


def test_export_has_one_row_per_student_exercise_and_question_of_the_latest(klass, tmp_path):
    wrong = "def count_parameters(layer_sizes):\n    return 0"
    klass.submit("ann", "01_deep_learning", answers={"count_parameters": wrong})
    klass.submit("ann", "01_deep_learning")  # later, and right
    klass.submit("ben", "01_deep_learning", answers={"count_parameters": wrong})
    klass.grade()
    assert len(klass.graded()) == 3
    out = tmp_path / "grades.csv"
    assert Gradebook(klass.gradebook).export_csv(out) == 9  # ann, ben and the earlier student
    with out.open() as file:
        table = list(csv.reader(file))
    assert tuple(table[0]) == CSV_COLUMNS
    by = {(r[0], r[2]): r for r in table[1:]}
    assert by["ann", "count_parameters"][3:6] == ["1", "1", "passed"]
    assert by["ben", "count_parameters"][3:6] == ["0", "1", "failed"]
    assert by["ben", "collapse_linear"][1] == "01_deep_learning"


def test_feedback_says_what_failed_without_hidden_inputs(klass, tmp_path):
    # Wrong on every hidden case: the message must not show any of their values.
    answer = "def relu(x):\n    return np.abs(x)"
    klass.submit("cy", "02_relu_definition", answers={"relu": answer})
    (sub,) = klass.grade()
    (page,) = (
        p for p in write_feedback(klass.gradebook, tmp_path / "feedback") if "/cy/" in str(p)
    )
    text = page.read_text()
    assert "cy" in text
    assert "wrong answer" in text
    assert "relu" in text
    assert f"{sub.score:g} of {sub.max_score:g}" in text
    # The hidden inputs, as the grader drew them: none of their values is on the page.
    hidden = exercise("02_relu_definition").question("relu").hidden_cases
    shown = 0
    for (x,) in hidden(hidden_rng(SECRET, "02_relu_definition", "relu")):
        for value in x.ravel()[:5]:
            if np.isfinite(value) and abs(float(value)) > 0.01:
                shown += f"{float(value):.3f}" in text or repr(float(value)) in text
    assert shown == 0


def test_the_grading_verbs_end_to_end(klass, tmp_path, capsys):
    student_nb = str(STUDENT / "01_deep_learning.ipynb")
    assert main(["check", student_nb]) == 1
    out = capsys.readouterr().out
    assert "0 of 3 questions pass their public checks" in out
    assert "public checks; your final score comes from hidden checks" in out
    source = tmp_path / "mine.ipynb"
    nbformat.write(nbformat.read(SOURCES / "01_deep_learning.ipynb", as_version=4), source)
    assert main(["check", str(source)]) == 0
    assert main(["submit", str(source), "--student", "dee", "--inbox", str(klass.inbox)]) == 0
    book, secret = str(klass.gradebook), str(klass.secret_file)
    grade = ["grade", str(klass.inbox), "--gradebook", book, "--secret", secret]
    assert main([*grade, "--jobs", "2"]) == 0
    assert "graded 1 submission(s), 0 already" in capsys.readouterr().out
    assert main(grade) == 0
    assert "graded 0 submission(s), 1 already" in capsys.readouterr().out
    assert main(["export", "--gradebook", book, "--csv", str(tmp_path / "g.csv")]) == 0
    assert (tmp_path / "g.csv").read_text().count("\ndee,") == 3
    assert main(["feedback", "--gradebook", book, "--out", str(tmp_path / "fb")]) == 0
    assert len(list((tmp_path / "fb" / "dee").glob("*.html"))) == 1


def test_grading_verbs_refuse_bad_arguments(klass, tmp_path, capsys):
    book = str(tmp_path / "g.sqlite")
    assert main(["grade", str(tmp_path / "none"), "--gradebook", book, "--secret", "x"]) == 2
    assert "no inbox folder" in capsys.readouterr().err
    assert (
        main(["grade", str(klass.inbox), "--gradebook", book, "--secret", str(tmp_path / "nope")])
        == 2
    )
    assert "cannot read the secret" in capsys.readouterr().err
    (tmp_path / "empty").write_text("  \n")
    assert (
        main(["grade", str(klass.inbox), "--gradebook", book, "--secret", str(tmp_path / "empty")])
        == 2
    )
    assert "the secret is empty" in capsys.readouterr().err
    assert main(["export", "--gradebook", str(tmp_path / "missing.sqlite"), "--csv", "x.csv"]) == 2
    assert main(["check", str(tmp_path / "empty")]) == 2


def test_a_fault_of_the_grader_skips_that_submission_and_the_batch_goes_on(
    klass, tmp_path, capsys, monkeypatch
):
    import relu_course.grading.grade as grade

    real = grade._grade_notebook

    def flaky(nb, data, plan, limits, sandbox):
        if b"unlucky" in data:
            raise RuntimeError("a bug in the grader")
        return real(nb, data, plan, limits, sandbox)

    monkeypatch.setattr(grade, "_grade_notebook", flaky)
    unlucky = (
        "# unlucky\n"
        "def count_parameters(sizes):\n"
        "    return sum(a * b + b for a, b in zip(sizes, sizes[1:]))"
    )
    klass.submit("unlucky", "01_deep_learning", answers={"count_parameters": unlucky})
    klass.submit("lucky", "01_deep_learning")
    book, secret = str(klass.gradebook), str(klass.secret_file)
    command = ["grade", str(klass.inbox), "--gradebook", book, "--secret", secret]
    assert main(command) == 1
    out, err = capsys.readouterr()
    assert "graded 1 submission(s), 0 already in the gradebook, 1 FAILED" in out
    assert "RuntimeError: a bug in the grader" in err
    assert "unlucky" in err
    assert {s.student for s in klass.graded()} == {"lucky"}
    monkeypatch.setattr(grade, "_grade_notebook", real)
    assert main(command) == 0  # the next run grades what the failed one left out
    assert "graded 1 submission(s), 1 already" in capsys.readouterr().out
    assert {s.student for s in klass.graded()} == {"lucky", "unlucky"}


def test_feedback_refuses_names_that_lead_outside_its_folder(tmp_path, capsys):
    book = Gradebook(tmp_path / "g.sqlite")
    for student in ("ok", "../../outside"):
        book.record(
            SubmissionRecord(
                id=student, student=student, exercise="01_deep_learning", sha256="0" * 64,
                submitted_at="2026-11-02T09:00:00+00:00", file="x.ipynb",
                graded_at="2026-11-02T09:01:00+00:00", sandbox="bubblewrap",
                results=(QuestionResult("q", 1.0, 1.0, "passed", "fine"),),
            )
        )  # fmt: skip
    out = tmp_path / "feedback" / "pages"
    assert main(["feedback", "--gradebook", str(tmp_path / "g.sqlite"), "--out", str(out)]) == 2
    assert "refusing to write feedback for student '../../outside'" in capsys.readouterr().err
    assert not (tmp_path / "feedback").exists()
    assert not (tmp_path / "outside").exists()


def test_export_never_overwrites_the_gradebook_and_writes_whole_files(klass, tmp_path, capsys):
    klass.submit("eve", "01_deep_learning")
    klass.grade()
    book = str(klass.gradebook)
    before = Gradebook(klass.gradebook, create=False).submissions()
    assert main(["export", "--gradebook", book, "--csv", book]) == 2
    assert "is the gradebook itself" in capsys.readouterr().err
    assert Gradebook(klass.gradebook, create=False).submissions() == before
    out = tmp_path / "grades.csv"
    out.write_text("the previous export\n")
    assert main(["export", "--gradebook", book, "--csv", str(tmp_path / "no" / "g.csv")]) == 2
    assert "No such file or directory" in capsys.readouterr().err
    assert main(["export", "--gradebook", book, "--csv", str(out)]) == 0
    assert out.read_text().startswith(",".join(CSV_COLUMNS))
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_export_and_feedback_refuse_what_is_not_a_gradebook(tmp_path, capsys):
    empty, notes = tmp_path / "empty.sqlite", tmp_path / "notes.csv"
    empty.touch()
    notes.write_text("student,score\n")
    for path in (empty, notes, tmp_path / "missing.sqlite"):
        assert main(["export", "--gradebook", str(path), "--csv", str(tmp_path / "g.csv")]) == 2
        assert main(["feedback", "--gradebook", str(path), "--out", str(tmp_path / "fb")]) == 2
        assert "gradebook" in capsys.readouterr().err
    assert empty.read_bytes() == b""  # not turned into a database
    assert notes.read_text() == "student,score\n"
    assert not (tmp_path / "g.csv").exists()


def test_an_unusable_gradebook_or_output_is_a_message_not_a_traceback(klass, tmp_path, capsys):
    klass.submit("fay", "01_deep_learning")
    secret = str(klass.secret_file)
    grade = ["grade", str(klass.inbox), "--secret", secret, "--gradebook"]
    assert main([*grade, str(tmp_path / "no" / "g.sqlite")]) == 2
    assert "cannot be used as a gradebook" in capsys.readouterr().err
    assert main([*grade, secret]) == 2  # the two files swapped
    assert "cannot be used as a gradebook" in capsys.readouterr().err
    assert main([*grade, str(klass.gradebook)]) == 0
    capsys.readouterr()
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    assert main(["feedback", "--gradebook", str(klass.gradebook), "--out", str(a_file)]) == 2
    assert "relu-course feedback:" in capsys.readouterr().err
    other = tmp_path / "other.key"
    other.write_text("another secret")
    klass.submit("gus", "01_deep_learning")
    command = ["grade", str(klass.inbox), "--gradebook", str(klass.gradebook), "--secret"]
    assert main([*command, str(other)]) == 2
    assert "graded with another secret" in capsys.readouterr().err


def test_grade_exits_1_when_a_manifest_was_skipped(klass, capsys):
    klass.submit("hal", "01_deep_learning")
    (klass.inbox / "stray.json").write_text("{}")
    book, secret = str(klass.gradebook), str(klass.secret_file)
    assert main(["grade", str(klass.inbox), "--gradebook", book, "--secret", secret]) == 1
    out, err = capsys.readouterr()
    assert "graded 1 submission(s), 0 already in the gradebook, 1 manifest(s) SKIPPED" in out
    assert "stray.json: not a submission manifest" in err


def test_feedback_says_which_submission_counts(klass, tmp_path):
    wrong = "def count_parameters(layer_sizes):\n    return 0"
    klass.submit("ida", "01_deep_learning", answers={"count_parameters": wrong})
    klass.submit("ida", "01_deep_learning")
    klass.grade()
    pages = sorted(p for p in write_feedback(klass.gradebook, tmp_path / "fb") if "/ida/" in str(p))
    first, last = (p.read_text() for p in pages)  # named by submission time
    assert "This submission does not count" in first
    assert "Score: <strong>5 of 6</strong>" in first
    assert "(6 of 6)" in first
    assert "does not count" not in last


def test_release_makes_its_folder_and_explains_a_missing_source(tmp_path, capsys):
    out = tmp_path / "new" / "student"
    assert main(["release", "--source", str(SOURCES), "--out", str(out)]) == 0
    assert len(list(out.glob("*.ipynb"))) == len(list(SOURCES.glob("[0-9][0-9]_*.ipynb")))
    capsys.readouterr()
    assert main(["release", "--source", str(tmp_path / "nothing"), "--out", str(out)]) == 2
    assert "run from there, or pass --source" in capsys.readouterr().err


def test_regrade_forgets_and_grades_again_only_whom_it_names(klass, capsys):
    klass.submit("jo", "01_deep_learning")
    klass.submit("kim", "01_deep_learning")
    book, secret = str(klass.gradebook), str(klass.secret_file)
    grade = ["grade", str(klass.inbox), "--gradebook", book, "--secret", secret]
    assert main(grade) == 0
    before = {s.student: s for s in klass.graded()}
    assert main([*grade, "--regrade", "jo"]) == 0
    assert "forgot 1 graded submission(s)" in capsys.readouterr().err
    after = {s.student: s for s in klass.graded()}
    assert after["kim"] == before["kim"]
    assert after["jo"].graded_at > before["jo"].graded_at
    assert after["jo"].results == before["jo"].results
    assert main([*grade, "--regrade"]) == 0
    out = capsys.readouterr()
    assert "forgot 3 graded submission(s)" in out.err  # the earlier student's too
    assert "graded 2 submission(s), 0 already" in out.out
    other = klass.root / "other.key"
    other.write_text("another secret")
    regrade_other = ["grade", str(klass.inbox), "--gradebook", book, "--secret", str(other)]
    assert main([*regrade_other, "--regrade"]) == 2  # forgets nothing under another secret
    assert len(klass.graded()) == 2


def test_the_summary_export_has_one_row_per_student_and_exercise(klass, tmp_path):
    wrong = "def count_parameters(layer_sizes):\n    return 0"
    klass.submit("lu", "01_deep_learning")
    klass.submit("lu", "01_deep_learning", answers={"count_parameters": wrong})
    klass.grade()
    out = tmp_path / "summary.csv"
    book = Gradebook(klass.gradebook, create=False)
    assert book.export_csv(out, summary=True) == 2  # lu, and the earlier student
    with out.open() as file:
        table = list(csv.DictReader(file))
    assert tuple(table[0]) == SUMMARY_COLUMNS
    (lu,) = [row for row in table if row["student"] == "lu"]
    (latest,) = [s for s in book.latest() if s.student == "lu"]
    assert (lu["exercise"], lu["score"], lu["max_score"]) == ("01_deep_learning", "5", "6")
    assert (lu["submitted_at"], lu["submissions"]) == (latest.submitted_at, "2")


def test_a_roster_gives_missing_students_zero_and_names_unknown_ids(klass, tmp_path, capsys):
    klass.submit("mo", "01_deep_learning")
    klass.submit("mallory", "01_deep_learning")  # a typo of a roster id, say
    klass.grade()
    roster = tmp_path / "roster.txt"
    roster.write_text("# class of 2026\nmo\nnoor   # joined late\n\nearlier\n")
    book, out = str(klass.gradebook), tmp_path / "g.csv"
    assert main(["export", "--gradebook", book, "--csv", str(out), "--roster", str(roster)]) == 0
    assert "not on the roster, exported anyway: mallory" in capsys.readouterr().err
    with out.open() as file:
        table = list(csv.DictReader(file))
    noor = [row for row in table if row["student"] == "noor"]
    questions = exercise("01_deep_learning").questions
    assert [row["question"] for row in noor] == [q.id for q in questions]
    assert {(row["score"], row["status"], row["message"]) for row in noor} == {
        ("0", "not_submitted", "no submission")
    }
    assert [row["max_score"] for row in noor] == [f"{q.points:g}" for q in questions]
    assert main(["export", "--gradebook", book, "--csv", str(out), "--roster", str(roster),
                 "--summary"]) == 0  # fmt: skip
    with out.open() as file:
        summary = {row["student"]: row for row in csv.DictReader(file)}
    assert (summary["noor"]["score"], summary["noor"]["max_score"]) == ("0", "6")
    assert (summary["noor"]["submitted_at"], summary["noor"]["submissions"]) == ("", "0")
    assert summary["mo"]["score"] == "6"
    roster.write_text("# nobody yet\n")
    assert main(["export", "--gradebook", book, "--csv", str(out), "--roster", str(roster)]) == 2
    assert "names no student" in capsys.readouterr().err


def test_list_shows_every_submission_and_which_one_counts(klass, tmp_path, capsys):
    wrong = "def count_parameters(layer_sizes):\n    return 0"
    klass.submit("pat", "01_deep_learning", answers={"count_parameters": wrong})
    klass.submit("pat", "01_deep_learning")
    changed = klass.submit("quin", "01_deep_learning").with_suffix(".ipynb")
    changed.write_bytes(changed.read_bytes().replace(b"W2 @ b1 + b2", b"b2"))
    klass.grade()
    assert main(["list", "--gradebook", str(klass.gradebook)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["student", "exercise", "submitted", "at", "score", "counts", "note"]
    pat = [line.split() for line in lines if line.startswith("pat ")]
    assert [(row[3], row[4]) for row in pat] == [("5/6", "no"), ("6/6", "yes")]
    (quin,) = [line for line in lines if line.startswith("quin ")]
    assert "invalid: the notebook changed after it was submitted" in quin
    assert lines[-1] == "4 graded submission(s) of 3 student(s); 3 count"
    assert main(["list", "--gradebook", str(tmp_path / "none.sqlite")]) == 2
    assert "no gradebook" in capsys.readouterr().err


def test_an_override_counts_everywhere_and_keeps_what_the_grader_gave(klass, tmp_path, capsys):
    wrong = "def count_parameters(layer_sizes):\n    return 0"
    klass.submit("ria", "01_deep_learning", answers={"count_parameters": wrong})
    klass.grade()
    book = str(klass.gradebook)
    override = ["override", "--gradebook", book, "ria", "01_deep_learning", "count_parameters"]
    assert main([*override, "1", "--reason", "the prompt was ambiguous"]) == 0
    assert "1 of 1, overriding the grader's 0 (failed)" in capsys.readouterr().out
    (sub,) = [s for s in Gradebook(klass.gradebook).latest() if s.student == "ria"]
    (result,) = [r for r in sub.results if r.question == "count_parameters"]
    assert (result.score, result.status) == (1.0, "overridden")
    assert result.message.startswith("the prompt was ambiguous (set by the instructor ")
    assert "the grader gave 0, failed: " in result.message
    assert sub.score == 6
    out = tmp_path / "g.csv"
    assert main(["export", "--gradebook", book, "--csv", str(out), "--summary"]) == 0
    with out.open() as file:
        assert {r["student"]: r["score"] for r in csv.DictReader(file)}["ria"] == "6"
    assert main(["list", "--gradebook", book]) == 0
    (line,) = [x for x in capsys.readouterr().out.splitlines() if x.startswith("ria ")]
    assert line.split()[3] == "6/6"
    assert line.endswith("overridden: count_parameters")
    (page,) = [p for p in write_feedback(klass.gradebook, tmp_path / "fb") if "/ria/" in str(p)]
    assert "set by your instructor" in page.read_text()
    assert "the prompt was ambiguous" in page.read_text()
    # Graded again (the same submission, the same id): the override still applies.
    secret = str(klass.secret_file)
    assert main(["grade", str(klass.inbox), "--gradebook", book, "--secret", secret,
                 "--regrade", "ria"]) == 0  # fmt: skip
    (sub,) = [s for s in Gradebook(klass.gradebook).latest() if s.student == "ria"]
    assert sub.score == 6
    # Cleared: the grader's score counts again.
    assert main([*override, "--clear"]) == 0
    (sub,) = [s for s in Gradebook(klass.gradebook).latest() if s.student == "ria"]
    assert sub.score == 5
    assert {r.status for r in sub.results} == {"passed", "failed"}
    assert main([*override, "--clear"]) == 2
    assert "has no override" in capsys.readouterr().err


def test_an_override_belongs_to_one_submission(klass):
    wrong = "def count_parameters(layer_sizes):\n    return 0"
    klass.submit("sol", "01_deep_learning", answers={"count_parameters": wrong})
    klass.grade()
    book = Gradebook(klass.gradebook)
    first, _ = book.override("sol", "01_deep_learning", "count_parameters", 0.5, "partly", "t0")
    klass.submit("sol", "01_deep_learning", answers={"count_parameters": wrong})  # later
    klass.grade()
    subs = {s.id: s for s in book.submissions() if s.student == "sol"}
    assert subs[first.id].score == 5.5
    (later,) = [s for i, s in subs.items() if i != first.id]
    assert later.score == 5  # graded as usual
    assert book.counting("sol", "01_deep_learning").id == later.id


def test_an_override_refuses_what_it_cannot_apply(klass, capsys):
    klass.submit("tam", "01_deep_learning")
    klass.grade()
    book = str(klass.gradebook)
    base = ["override", "--gradebook", book]
    cases = {
        ("nobody", "01_deep_learning", "count_parameters", "1", "--reason", "r"):
            "nobody has no graded submission of exercise 01_deep_learning",
        ("tam", "02_relu_definition", "relu", "1", "--reason", "r"):
            "tam has no graded submission of exercise 02_relu_definition",
        ("tam", "01_deep_learning", "relu", "1", "--reason", "r"):
            "exercise 01_deep_learning has no question relu (",
        ("tam", "01_deep_learning", "count_parameters", "2", "--reason", "r"):
            "must be from 0 to 1, not 2",
        ("tam", "01_deep_learning", "count_parameters", "-1", "--reason", "r"):
            "must be from 0 to 1, not -1",
        ("tam", "01_deep_learning", "count_parameters", "nan", "--reason", "r"):
            "must be from 0 to 1, not nan",
        ("tam", "01_deep_learning", "count_parameters", "1", "--reason", "  "):
            "an override needs a reason",
        ("tam", "01_deep_learning", "count_parameters", "1"): "give a SCORE and a --reason",
        ("tam", "01_deep_learning", "count_parameters", "1", "--clear"):
            "--clear takes no SCORE",
    }  # fmt: skip
    for args, message in cases.items():
        assert main([*base, *args]) == 2, args
        assert message in capsys.readouterr().err, args
    assert Gradebook(klass.gradebook).overrides() == {}
    (sub,) = [s for s in Gradebook(klass.gradebook).latest() if s.student == "tam"]
    assert sub.score == 6
