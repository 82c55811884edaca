"""The relu-course command: its verbs, their output and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from relu_course import __version__, cli
from relu_course.numpy_nn import layers


def test_help_lists_the_verbs(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for verb in ("info", "gradcheck"):
        assert verb in out


@pytest.mark.parametrize("verb", ["info", "gradcheck"])
def test_every_verb_has_help(verb, capsys):
    with pytest.raises(SystemExit):
        cli.main([verb, "--help"])
    assert f"usage: relu-course {verb}" in capsys.readouterr().out


def test_a_missing_verb_is_an_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main([])
    assert exit_info.value.code == 2
    assert "VERB" in capsys.readouterr().err


def test_gradcheck_prints_every_gradient_and_passes(capsys):
    assert cli.main(["gradcheck"]) == 0
    out = capsys.readouterr().out
    assert "relu: dx" in out
    assert "conv2d: dw" in out
    assert "FAILED" not in out
    assert "32 of 32 gradients within tolerance 1e-07" in out


def test_gradcheck_fails_on_a_planted_bug(monkeypatch, capsys):
    right = layers.conv2d_backward

    def dw_halved(dout, cache):
        dx, dw, db = right(dout, cache)
        return dx, dw / 2, db

    monkeypatch.setattr(layers, "conv2d_backward", dw_halved)
    assert cli.main(["gradcheck"]) == 1
    out = capsys.readouterr().out
    assert "conv2d: dw" in out
    assert "FAILED" in out


def test_info_json_reports_versions_and_a_device(capsys):
    assert cli.main(["info", "--json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["numpy"]
    assert facts["device"] in {"cpu", "cuda"}
    assert facts["devices"].startswith("cpu")
    from relu_course.torch_nn import triton

    assert facts["triton"].startswith(triton.version() or "not installed")
    # The grading tests need bubblewrap, so every machine that runs them has it.
    assert facts["grading sandbox"].startswith("bubblewrap")


def test_info_says_when_a_submission_would_run_with_the_limits_only(capsys, monkeypatch):
    from relu_course.grading import landlock, sandbox, seccomp

    monkeypatch.setattr(sandbox, "bwrap", lambda: None)
    monkeypatch.setattr(landlock, "abi", lambda: 0)
    monkeypatch.setattr(seccomp, "supported", lambda: False)
    assert cli.main(["info", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["grading sandbox"] == "limits only"


def test_the_console_script_is_installed():
    script = Path(sys.executable).with_name("relu-course")
    result = subprocess.run([script, "--version"], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == f"relu-course {__version__}"
