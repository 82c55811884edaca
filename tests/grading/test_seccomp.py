"""The seccomp filter: a filtered process and its children open no socket and start no session."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from relu_course.grading import seccomp

#: Run in a child process: try each thing before and after the filter, report what failed how.
PROBE = """
import ctypes, json, os, socket, subprocess, sys
from relu_course.grading import seccomp

libc = ctypes.CDLL(None, use_errno=True)


def io_uring_setup():
    # Invalid arguments: where io_uring is there, it answers EFAULT, not EACCES.
    if libc.syscall(ctypes.c_long(425), ctypes.c_long(1), None) < 0:
        raise OSError(ctypes.get_errno(), "io_uring_setup")


def child(code):
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if run.returncode:
        raise OSError(run.stderr.strip().splitlines()[-1])


tries = {
    "tcp": lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM).close(),
    "udp": lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).close(),
    "ipv6": lambda: socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).close(),
    "unix": lambda: socket.socket(socket.AF_UNIX).close(),
    "netlink": lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW).close(),
    "socketpair": lambda: [s.close() for s in socket.socketpair()],
    "pipe": lambda: [os.close(fd) for fd in os.pipe()],
    "io_uring": io_uring_setup,
    "a child's udp": lambda: child("import socket; socket.socket(socket.AF_INET, 2)"),
    # In a child, which leads no group: a group leader may not call setsid at all.
    "setsid": lambda: child("import os; os.setsid()"),
    "setpgid": lambda: child("import os; os.setpgid(0, 0)"),
    "a new session": lambda: subprocess.run(["/bin/true"], start_new_session=True, check=True),
}


def attempt():
    failed = {}
    for name, call in tries.items():
        try:
            call()
        except OSError as error:
            failed[name] = error.errno or str(error)
    return failed


before = attempt()
seccomp.restrict()
print(json.dumps({"before": before, "after": attempt()}))
"""


@pytest.mark.skipif(
    not seccomp.supported(), reason="the filter is written for Linux on x86-64 and arm64"
)
def test_no_socket_of_any_family_after_the_filter():
    run = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    result = json.loads(run.stdout)
    # io_uring may be switched off on the machine; it must not be refused for want of rights.
    assert result["before"].get("io_uring", 0) != 13
    assert set(result["before"]) <= {"io_uring"}, result["before"]
    refused = {"tcp", "udp", "ipv6", "unix", "netlink", "io_uring", "a new session"}
    assert {name for name, code in result["after"].items() if code == 13} == refused
    in_children = {"a child's udp", "setsid", "setpgid"}
    for name in in_children:
        assert "Permission denied" in str(result["after"][name]), name
    assert set(result["after"]) == refused | in_children


@pytest.mark.parametrize("machine", sorted(seccomp.REFUSED))
def test_the_filter_refuses_other_entry_points_and_the_listed_calls(machine):
    # Both architectures' programs, whichever this machine is: the kernel's verdict on a call
    # is computed here by following the program, as the kernel does.
    arch, refused = seccomp._ARCH[machine], seccomp.REFUSED[machine]
    assert set(refused) == {"socket", "setsid", "setpgid", "io_uring_setup"}
    program = seccomp._program(arch, sorted(refused.values()))
    refuse = program[-1]
    assert refuse == program[2]
    assert refuse[3] == 0x00050000 | 13  # EACCES

    def verdict(call_arch: int, nr: int) -> int:
        at, loaded = 0, 0
        while True:
            code, jt, jf, k = program[at]
            if code == 0x06:
                return k
            if code == 0x20:
                loaded = call_arch if k == 4 else nr
                at += 1
            else:
                taken = loaded == k if code == 0x15 else loaded >= k
                at += 1 + (jt if taken else jf)

    allow = 0x7FFF0000
    for nr in range(500):
        expected = refuse[3] if nr in refused.values() else allow
        assert verdict(arch, nr) == expected, nr
    assert verdict(arch, 0x40000000 | refused["socket"]) == refuse[3]  # x32
    assert verdict(arch, 0x40000000) == refuse[3]
    assert verdict(0x40000003, 102) == refuse[3]  # i386 socketcall
    other = next(a for m, a in seccomp._ARCH.items() if m != machine)
    assert verdict(other, 0) == refuse[3]  # even a harmless call, from another entry point
