"""Running the worker in a sandbox: bubblewrap where it exists, resource limits always.

With ``bwrap`` (Linux, Debian package ``bubblewrap``) the worker sees a read-only system, the
Python installation and the ``relu_course`` package, a private ``/tmp`` of bounded size, and a
read-only folder holding a copy of the submission and its cases, in which only the answer files
the grader created are writable. So it can write nowhere else, and not without bound: ``/tmp``
(memory) holds at most ``disk_mb``, and each answer file at most ``file_mb``. It has no
network, its own process tree, and (when the grader runs as root) runs as ``nobody``. The
secret, the gradebook, the inbox and the rest of the course (the solutions of the exercises
included) are not in it. CPU time, memory, processes, file size and wall-clock time are limited
in every case: the worker sets the first four on itself before it runs any submitted code, the
grader keeps the clock.

Then, where the kernel has Landlock (:mod:`relu_course.grading.landlock`), the worker confines
itself to the same files again: in bubblewrap a second wall, and without bubblewrap the one
that keeps a submission from the secret, the gradebook, other files, TCP and the grader's
process. Last, on x86-64 and 64-bit Arm Linux, it refuses itself every socket and every new
session or process group with a seccomp filter (:mod:`relu_course.grading.seccomp`), which
closes what Landlock leaves open: UDP, named Unix sockets, and processes that outlive the run
(the grader ends the worker's process group when the run ends). Without bubblewrap and
Landlock, only the limits and that filter apply, and the grader warns loudly.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import relu_course
from relu_course.grading import landlock

__all__ = [
    "DISK_WATCH_SECONDS",
    "MAX_TMP_FILES",
    "Limits",
    "WorkerRun",
    "bwrap",
    "bwrap_sizes_tmp",
    "confine",
    "deleted_open_bytes",
    "folder_size",
    "protection",
    "run_worker",
]

#: System folders the worker may read (bound read-only in bubblewrap).
SYSTEM = ("/usr", "/bin", "/lib", "/lib64", "/sbin")
#: Devices the worker may open, as bubblewrap's ``--dev`` gives them.
DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")
#: What the worker may read of ``/proc`` under Landlock: its own entry and the machine's
#: description. Not the rest: Landlock lets a process read another's ``environ`` and ``maps``.
PROC = ("/proc/self", "/proc/cpuinfo", "/proc/meminfo", "/proc/stat")


@dataclass(frozen=True)
class Limits:
    """Resource limits of one worker run.

    Attributes:
        cpu_seconds: CPU time of the worker.
        memory_mb: address space of each process (``RLIMIT_AS``).
        processes: processes the worker may start.
        file_mb: largest file it may write (its printed output included).
        disk_mb: size of the sandbox's private ``/tmp``, a file system in memory (bubblewrap
            0.7.0 and later; older ones leave it at the kernel's default, half the memory).
            Without bubblewrap the temporary folder is ``tmp`` in the job folder, on the
            grader's disk: the grader measures it while the worker runs, and stops a worker
            whose folder, with the files its processes deleted but hold open, grows past this
            size. A deleted file that is only mapped in memory, its descriptor closed, escapes
            the measure (each is at most ``file_mb``); it is freed when the run ends, since the
            grader ends every process of the run.
        wall_seconds: wall-clock time of the whole run.
        submission_seconds: wall-clock time of all the runs of one submission (a run that ends
            or hangs in a cell or an answer is repeated without it); none starts after it.
        cell_seconds: wall-clock time of one notebook cell.
        case_seconds: wall-clock time of one call of an answer.
    """

    cpu_seconds: int = 60
    memory_mb: int = 3072
    processes: int = 32
    file_mb: int = 64
    disk_mb: int = 256
    wall_seconds: float = 90.0
    submission_seconds: float = 300.0
    cell_seconds: float = 20.0
    case_seconds: float = 10.0


@dataclass(frozen=True)
class WorkerRun:
    """How a worker run ended.

    Attributes:
        returncode: the exit status (negative: killed by that signal).
        timed_out: the wall-clock limit was reached and the run was killed.
        stderr: the end of what the worker itself reported (not the submission's output).
        over_disk: its temporary folder grew past the disk limit and the run was killed.
    """

    returncode: int
    timed_out: bool
    stderr: str
    over_disk: bool = False


#: How often the grader measures the worker's temporary folder (without bubblewrap), in seconds.
DISK_WATCH_SECONDS = 0.05
#: Files that folder may hold: beyond, measuring it would cost the grader more than it should.
MAX_TMP_FILES = 10_000


def folder_size(folder: Path, limit: int) -> int:
    """The bytes the files under ``folder`` take on disk; stops counting past ``limit``.

    Counted in allocated blocks, so a sparse file counts what it really takes. More than
    :data:`MAX_TMP_FILES` files, or a folder that cannot be read (one nested too deep to
    name, say, where files could hide), count as over any limit.

    Args:
        folder: the folder to measure (links are not followed).
        limit: a size past which the exact total does not matter.

    Returns:
        The size in bytes, or ``limit + 1`` once it is known to be larger.
    """
    total, files, folders = 0, 0, [folder]
    while folders:
        try:
            entries = list(os.scandir(folders.pop()))
        except FileNotFoundError:  # removed while being read
            continue
        except OSError:
            return limit + 1
        for entry in entries:
            files += 1
            try:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(Path(entry.path))
                total += entry.stat(follow_symlinks=False).st_blocks * 512
            except OSError:
                continue
            if total > limit or files > MAX_TMP_FILES:
                return limit + 1
    return total


def deleted_open_bytes(group: int, limit: int) -> int:
    """The bytes on disk of the files that the processes of ``group`` deleted but hold open.

    Such a file no longer shows in any folder, yet keeps its blocks until it is closed: a
    process could fill a disk with them past any measure of its folders. Read from ``/proc``.

    Args:
        group: a process group.
        limit: a size past which the exact total does not matter.

    Returns:
        The size in bytes, or ``limit + 1`` once it is known to be larger.
    """
    total, seen = 0, set()
    for process in os.scandir("/proc"):
        if not process.name.isdigit():
            continue
        try:
            status = Path(process.path, "stat").read_bytes()
            # The fifth field, after the command in parentheses (which may hold anything).
            if int(status.rsplit(b")", 1)[1].split()[2]) != group:
                continue
            descriptors = list(os.scandir(Path(process.path, "fd")))
        except (OSError, ValueError, IndexError):  # gone, or not ours to read
            continue
        for descriptor in descriptors:
            try:
                info = os.stat(descriptor.path)  # the open file itself, deleted or not
            except OSError:
                continue
            if info.st_nlink == 0 and stat.S_ISREG(info.st_mode):
                if (info.st_dev, info.st_ino) not in seen:
                    seen.add((info.st_dev, info.st_ino))
                    total += info.st_blocks * 512
                if total > limit:
                    return limit + 1
    return total


def bwrap() -> str | None:
    """The path of ``bwrap``, or ``None`` where bubblewrap is not installed."""
    return shutil.which("bwrap")


@functools.cache
def bwrap_sizes_tmp(executable: str) -> bool:
    """Whether this ``bwrap`` can bound the size of a ``--tmpfs`` (its ``--size``, from 0.7.0)."""
    usage = subprocess.run([executable, "--help"], capture_output=True, text=True, check=False)
    return "--size" in usage.stdout + usage.stderr


def protection(sandbox: bool) -> str:
    """What confines the worker on this machine: bubblewrap, Landlock, both, or limits only."""
    walls = [
        name
        for name, present in (("bubblewrap", sandbox), ("landlock", landlock.abi() > 0))
        if present
    ]
    return " and ".join(walls) or "limits only"


def _python() -> set[Path]:
    """The Python installation and the ``relu_course`` package: what the worker runs."""
    package = Path(relu_course.__file__).resolve().parent
    return {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), package}


def confine(job_dir: Path) -> int:
    """Confine the calling worker with Landlock to what the bubblewrap sandbox shows it.

    It may then read the system, the Python installation, the package, its own ``/proc``
    entry (see :data:`PROC`), the CPU description, the usual devices and ``job_dir``; and
    write only the files the grader made in ``job_dir/out`` and the temporary folder.

    Args:
        job_dir: the job's folder.

    Returns:
        The Landlock ABI version applied.

    Raises:
        LandlockError: the kernel has no Landlock, or refused a rule.
    """
    read = [
        *map(Path, SYSTEM),
        *_python(),
        *map(Path, PROC),
        Path("/sys/devices/system/cpu"),
        *map(Path, DEVICES),
        job_dir,
    ]
    tmp = Path(os.environ.get("TMPDIR", "/tmp"))
    write = [*(job_dir / "out").iterdir(), tmp, Path("/dev/null")]
    return landlock.restrict(read=read, write=write)


def _environment(home: str) -> dict[str, str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": home,
        "LANG": "C.UTF-8",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MPLBACKEND": "Agg",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if "OPENBLAS_CORETYPE" in os.environ:
        env["OPENBLAS_CORETYPE"] = os.environ["OPENBLAS_CORETYPE"]
    return env


def _bwrap_command(executable: str, job_dir: Path, limits: Limits) -> list[str]:
    # A /tmp that nobody can write to as well, but of bounded size (older bwrap: root's, unsized).
    tmp_size = (
        ["--perms", "1777", "--size", str(limits.disk_mb * 2**20)]
        if bwrap_sizes_tmp(executable)
        else []
    )
    command = [
        executable,
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--die-with-parent",
        "--new-session",
        "--proc", "/proc",
        "--dev", "/dev",
        *tmp_size, "--tmpfs", "/tmp",
    ]  # fmt: skip
    for system in SYSTEM:
        if Path(system).is_symlink():
            command += ["--symlink", os.readlink(system), system]
        elif Path(system).exists():
            command += ["--ro-bind", system, system]
    read_only = _python()
    # bwrap would create the folders above each mount point readable by root only; the worker
    # runs as nobody, so create them traversable.
    parents = {parent for path in read_only for parent in path.parents} - {Path("/")}
    for parent in sorted(parents, key=lambda p: len(p.parts)):
        if not any(parent.is_relative_to(s) for s in SYSTEM):
            command += ["--perms", "0755", "--dir", str(parent)]
    for path in sorted(read_only):
        command += ["--ro-bind", str(path), str(path)]
    command += ["--ro-bind-try", "/sys/devices/system/cpu", "/sys/devices/system/cpu"]
    # The job folder is read-only but for the files the grader made in out/: the worker can
    # create no file there, so it writes at most file_mb to each of those and nothing else.
    command += ["--ro-bind", str(job_dir), "/job"]
    for path in sorted((job_dir / "out").iterdir()):
        command += ["--bind", str(path), f"/job/out/{path.name}"]
    command += ["--chdir", "/job"]
    if os.getuid() == 0:
        # Root keeps only what it needs to become nobody (the worker does it first thing).
        command += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        command += ["--unshare-user"]
    return [*command, sys.executable, "-I", "-m", "relu_course.grading.worker", "/job"]


def run_worker(job_dir: Path, limits: Limits, *, sandbox: bool) -> WorkerRun:
    """Run the worker on ``job_dir`` under ``limits``, in bubblewrap when ``sandbox`` is true.

    Args:
        job_dir: the job's folder (see :mod:`relu_course.grading.worker`), with the files the
            worker may write already made in ``out/``; it is given to the sandboxed user.
        limits: the resource limits.
        sandbox: use bubblewrap (it must be installed).

    Returns:
        How the run ended.
    """
    # The worker applies the limits to itself before any submitted code runs (see worker.py);
    # the wall clock is kept here.
    if sandbox and os.getuid() == 0:
        for path in [job_dir, *job_dir.rglob("*")]:
            os.chown(path, 65534, 65534)
    if sandbox:
        executable = bwrap()
        if executable is None:
            raise FileNotFoundError("bwrap is not installed (Debian package bubblewrap)")
        command = _bwrap_command(executable, job_dir, limits)
        cwd: Path | None = None
        home = "/tmp"
    else:
        command = [sys.executable, "-I", "-m", "relu_course.grading.worker", str(job_dir)]
        cwd = job_dir
        # Not the machine's /tmp: Landlock lets the worker write only in its own.
        (job_dir / "tmp").mkdir(exist_ok=True)
        home = str(job_dir / "tmp")
    with (job_dir / "worker.log").open("wb") as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            cwd=cwd,
            env=_environment(home),
            start_new_session=True,
        )
        returncode, timed_out, over_disk = _watch(process, None if sandbox else home, limits)
    if sandbox and returncode > 128:
        # bubblewrap's init reports a worker killed by signal N as exit status 128 + N.
        returncode = 128 - returncode
    with (job_dir / "worker.log").open("rb") as log:
        log.seek(max(0, (job_dir / "worker.log").stat().st_size - 2000))
        stderr = log.read().decode(errors="replace")
    return WorkerRun(returncode, timed_out, stderr, over_disk)


def _watch(
    process: subprocess.Popen[bytes], tmp: str | None, limits: Limits
) -> tuple[int, bool, bool]:
    """Wait for the worker: end it at the wall-clock limit, or when ``tmp`` grows too large.

    Then end every process it started: they are all in its process group, since the seccomp
    filter refuses them a new one (bubblewrap also ends them, with its process namespace).

    Returns:
        The exit status, whether the clock ran out, whether ``tmp`` passed the disk limit.
    """
    deadline = time.monotonic() + limits.wall_seconds
    disk = limits.disk_mb * 2**20
    step = DISK_WATCH_SECONDS if tmp else limits.wall_seconds
    timed_out = over_disk = False
    while not (timed_out or over_disk):
        left = deadline - time.monotonic()
        try:
            process.wait(timeout=max(0.0, min(step, left)))
            break
        except subprocess.TimeoutExpired:
            timed_out = left <= step
            over_disk = not timed_out and tmp is not None and _disk_used(process, tmp, disk) > disk
    with contextlib.suppress(ProcessLookupError, PermissionError):  # none left
        os.killpg(process.pid, signal.SIGKILL)
    return process.wait(), timed_out, over_disk


def _disk_used(process: subprocess.Popen[bytes], tmp: str, limit: int) -> int:
    """What the worker holds on the grader's disk: its temporary folder and deleted files."""
    return folder_size(Path(tmp), limit) + deleted_open_bytes(process.pid, limit)
