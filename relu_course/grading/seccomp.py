"""seccomp: a process forbids itself, and every process it starts, sockets and new sessions.

Landlock (:mod:`relu_course.grading.landlock`) refuses TCP but not UDP, nor a connection to a
named Unix socket; where bubblewrap is missing (in a Docker container, say, which refuses it
the namespaces it needs), a submission could then send the hidden cases it was given to any
address on the network in a UDP packet. Nor is there, without bubblewrap, a process namespace
whose end ends every process in it: a submission could start a process in a session of its
own that outlives its grading. A seccomp filter closes both. The system calls ``socket``,
``setsid`` and ``setpgid`` fail with ``EACCES``, so no socket of any family (IPv4, IPv6, Unix,
netlink, packet) can be opened and every process the worker starts stays in its process group,
which the grader ends after the run; so does ``io_uring_setup``, since io_uring can open
sockets without calling ``socket``. Pipes and ``socketpair`` still work, and nothing else is
refused. The grading worker needs none of these.

The filter also refuses every system call made through another architecture's entry point
(32-bit calls on x86-64, x32 calls), which would otherwise go around it. It is written for
x86-64 and 64-bit Arm Linux, the machines the course runs on; :func:`supported` says whether
this is one.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import sys

__all__ = ["REFUSED", "SeccompError", "restrict", "supported"]

# Per architecture: the audit architecture the kernel reports, and the numbers of the refused
# calls (io_uring_setup has the same number on both).
_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
#: The system calls the filter refuses, by architecture.
REFUSED = {
    "x86_64": {"socket": 41, "setpgid": 109, "setsid": 112, "io_uring_setup": 425},
    "aarch64": {"socket": 198, "setpgid": 154, "setsid": 157, "io_uring_setup": 425},
}
_X32_BIT = 0x40000000  # x32 system calls on x86-64 have this bit set

# Classic BPF, as seccomp reads it: load a word of struct seccomp_data, compare, return.
_LOAD, _JUMP_EQ, _JUMP_GE, _RETURN = 0x20, 0x15, 0x35, 0x06
_NR, _ARCH_OFFSET = 0, 4  # offsets of the call's number and its architecture
_ALLOW, _ERRNO = 0x7FFF0000, 0x00050000
_PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 38, 22, 2


class SeccompError(OSError):
    """The kernel refused the filter, or this machine is not one it is written for."""


class _Instruction(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_uint16),
        ("jt", ctypes.c_uint8),
        ("jf", ctypes.c_uint8),
        ("k", ctypes.c_uint32),
    ]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Instruction))]


def supported() -> bool:
    """Whether this is Linux on x86-64 or 64-bit Arm, the systems the filter is written for."""
    return sys.platform == "linux" and platform.machine() in _ARCH


def _program(audit_arch: int, refused: list[int]) -> list[tuple[int, int, int, int]]:
    """The filter: (code, jump if true, jump if false, constant) per instruction.

    A jump skips that many instructions after its own; the last instruction is the refusal.
    """
    refuse = (_RETURN, 0, 0, _ERRNO | errno.EACCES)
    last = 6 + len(refused)  # the index of the final refusal
    program = [
        (_LOAD, 0, 0, _ARCH_OFFSET),
        (_JUMP_EQ, 1, 0, audit_arch),  # 1: the native entry point goes on to 3
        refuse,  # 2: another architecture's
        (_LOAD, 0, 0, _NR),
        (_JUMP_GE, last - 5, 0, _X32_BIT),  # 4: x32
    ]
    for number in refused:
        program.append((_JUMP_EQ, last - len(program) - 1, 0, number))
    return [*program, (_RETURN, 0, 0, _ALLOW), refuse]


def restrict() -> None:
    """From now on, refuse the calls of :data:`REFUSED` to this process and its children.

    It cannot be undone. Sockets already open stay usable.

    Raises:
        SeccompError: this is not x86-64 or 64-bit Arm Linux (see :func:`supported`), or the
            kernel refused the filter (built without seccomp filters, say).
    """
    if not supported():
        raise SeccompError(
            f"the filter is written for Linux on x86-64 and arm64, not "
            f"{sys.platform} on {platform.machine()}"
        )
    machine = platform.machine()
    instructions = _program(_ARCH[machine], sorted(REFUSED[machine].values()))
    array = (_Instruction * len(instructions))(*(_Instruction(*i) for i in instructions))
    program = _Program(len(instructions), array)
    libc = ctypes.CDLL(None, use_errno=True)
    for option, *args in (
        (_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0),  # required of an unprivileged process
        (_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(program), 0, 0),
    ):
        wide = [ctypes.c_ulong(a) if isinstance(a, int) else a for a in args]
        if libc.prctl(ctypes.c_int(option), *wide) != 0:
            code = ctypes.get_errno()
            raise SeccompError(code, f"prctl({option}): {os.strerror(code)}")
