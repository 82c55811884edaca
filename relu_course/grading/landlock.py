"""Landlock: a process confines itself, and the processes it starts, to named files.

Landlock is a Linux security module (kernel 5.13 and later) that any process may use on itself,
without privileges or namespaces. The grading worker uses it before it runs submitted code, in
bubblewrap as a second wall and, where bubblewrap is missing, as the only one: the submission
can then read only the system, the Python installation, the ``relu_course`` package and its
job folder, write only its answer files and a temporary folder, open no TCP connection, and
send no signal to a process outside its sandbox (so it cannot stop or trace the grader). Other
sockets, UDP and named Unix ones, Landlock does not refuse: the worker's seccomp filter
(:mod:`relu_course.grading.seccomp`) does.

Each kernel offers an ABI version; a newer one restricts more (3: truncation, 4: TCP, 5: device
ioctls, 6: signals and abstract Unix sockets). :func:`restrict` uses all that the kernel offers.
"""

from __future__ import annotations

import ctypes
import os
import stat
from collections.abc import Iterable
from pathlib import Path

__all__ = ["LandlockError", "abi", "restrict"]

_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446  # the same on every architecture
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

_EXECUTE, _WRITE_FILE, _READ_FILE, _READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_REFER, _TRUNCATE, _IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_READ = _EXECUTE | _READ_FILE | _READ_DIR
#: Rights that apply to a file itself (the others apply to what a folder holds).
_FILE_RIGHTS = _EXECUTE | _WRITE_FILE | _READ_FILE | _TRUNCATE | _IOCTL_DEV
_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1 << 0, 1 << 1


class LandlockError(OSError):
    """The kernel refused to set up the confinement."""


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


_libc = ctypes.CDLL(None, use_errno=True)


def _syscall(number: int, *args: object) -> int:
    # syscall(2) reads each argument as a long: widen the ints (a C int is only 32 bits).
    wide = [ctypes.c_long(a) if isinstance(a, int) else a for a in args]
    result: int = _libc.syscall(ctypes.c_long(number), *wide)
    if result < 0:
        errno = ctypes.get_errno()
        raise LandlockError(errno, os.strerror(errno))
    return result


def abi() -> int:
    """The Landlock ABI version of the running kernel: 0 where Landlock is missing or off."""
    try:
        return _syscall(_CREATE_RULESET, None, 0, _CREATE_RULESET_VERSION)
    except (LandlockError, AttributeError):
        return 0


def _handled_fs(version: int) -> int:
    rights = (1 << 13) - 1  # version 1: execute, read, write, remove and make
    if version >= 2:
        rights |= _REFER
    if version >= 3:
        rights |= _TRUNCATE
    if version >= 5:
        rights |= _IOCTL_DEV
    return rights


def restrict(*, read: Iterable[Path], write: Iterable[Path]) -> int:
    """Confine this process and every process it starts from now on; it cannot be undone.

    Afterwards the process may read (and execute) only what lies beneath a path of ``read``
    or ``write``, and change only what lies beneath ``write``: in a folder it may make, write
    and remove anything; a file it may write in place. With ABI 4 or later it may neither
    bind nor connect a TCP socket, and with ABI 6 or later it may neither signal nor reach
    through an abstract Unix socket a process that is not confined with it. Files it already
    has open stay usable. Paths that do not exist, or that this process cannot reach, are left
    out.

    Args:
        read: folders and files to allow reading.
        write: folders and files to allow changing (and reading).

    Returns:
        The ABI version that was applied.

    Raises:
        LandlockError: the kernel has no Landlock, or refused a rule.
    """
    version = abi()
    if version == 0:
        raise LandlockError("this kernel has no Landlock (Linux 5.13 or later, with it enabled)")
    handled = _handled_fs(version)
    attr = _RulesetAttr(
        handled_access_fs=handled,
        handled_access_net=_NET_BIND_TCP | _NET_CONNECT_TCP if version >= 4 else 0,
        scoped=_SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL if version >= 6 else 0,
    )
    ruleset = _syscall(_CREATE_RULESET, ctypes.byref(attr), ctypes.sizeof(attr), 0)
    try:
        for paths, rights in ((read, _READ), (write, handled)):
            for path in paths:
                _allow(ruleset, Path(path), rights & handled)
        _libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)  # a confined process must not gain them
        _syscall(_RESTRICT_SELF, ruleset, 0)
    finally:
        os.close(ruleset)
    return version


def _allow(ruleset: int, path: Path, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except (FileNotFoundError, PermissionError):  # it could not be read anyway
        return
    try:
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            rights &= _FILE_RIGHTS
        rule = _PathBeneathAttr(allowed_access=rights, parent_fd=fd)
        _syscall(_ADD_RULE, ruleset, _RULE_PATH_BENEATH, ctypes.byref(rule), 0)
    finally:
        os.close(fd)
