"""Landlock: a confined process reads, writes, connects and signals only where it was allowed."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from relu_course.grading import landlock

pytestmark = pytest.mark.skipif(
    landlock.abi() == 0, reason="this kernel has no Landlock (Linux 5.13 or later)"
)

#: Run in a child process: confine it, then try each thing and report what was refused.
PROBE = """
import json, os, signal, socket, sys
from pathlib import Path
from relu_course.grading import landlock

args = json.loads(sys.argv[1])
readable, writable, port = Path(args["readable"]), Path(args["writable"]), args["port"]
python = [Path(p) for p in (sys.prefix, sys.base_prefix, "/usr", "/lib", "/lib64")]
version = landlock.restrict(
    read=[*python, readable, Path("/no/such/folder")],
    write=[writable, Path(args["answer"])],
)
tries = {
    "read the readable folder": lambda: (readable / "notes.txt").read_text(),
    "write in the readable folder": lambda: (readable / "new.txt").write_text("x"),
    "read outside": lambda: Path(args["outside"]).read_text(),
    "list outside": lambda: os.listdir(Path(args["outside"]).parent),
    "make a file in the writable folder": lambda: (writable / "new.txt").write_text("x"),
    "remove it": lambda: (writable / "new.txt").unlink(),
    "write the answer file": lambda: Path(args["answer"]).write_text("42"),
    "make a file beside the answer file": lambda: Path(args["answer"] + ".2").write_text("x"),
    "connect over TCP": lambda: socket.create_connection(("127.0.0.1", port), timeout=2),
    "signal the parent": lambda: os.kill(os.getppid(), 0),
    "signal itself": lambda: os.kill(os.getpid(), 0),
}
refused = []
for name, attempt in tries.items():
    try:
        attempt()
    except PermissionError:
        refused.append(name)
print(json.dumps({"version": version, "refused": refused}))
"""


def probe(tmp_path: Path) -> dict[str, object]:
    readable, writable, elsewhere = (tmp_path / n for n in ("readable", "writable", "elsewhere"))
    for folder in (readable, writable, elsewhere):
        folder.mkdir()
    (readable / "notes.txt").write_text("notes")
    (elsewhere / "secret.txt").write_text("secret")
    answer = elsewhere / "answer.json"
    answer.touch()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        args = {
            "readable": str(readable),
            "writable": str(writable),
            "outside": str(elsewhere / "secret.txt"),
            "answer": str(answer),
            "port": listener.getsockname()[1],
        }
        run = subprocess.run(
            [sys.executable, "-c", PROBE, json.dumps(args)],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
    result: dict[str, object] = json.loads(run.stdout)
    assert answer.read_text() == "42"
    assert not (elsewhere / "answer.json.2").exists()
    return result


def test_a_confined_process_reaches_only_what_it_was_allowed(tmp_path):
    result = probe(tmp_path)
    refused = {
        "write in the readable folder",
        "read outside",
        "list outside",
        "make a file beside the answer file",
    }
    version = landlock.abi()
    if version >= 4:
        refused.add("connect over TCP")
    if version >= 6:
        refused.add("signal the parent")
    assert result["version"] == version
    assert set(result["refused"]) == refused  # type: ignore[arg-type]
