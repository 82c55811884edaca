"""Elementwise NumPy work at memory speed: rows that stay in cache, one part per thread.

An elementwise function over a large array is limited by memory bandwidth, and one core alone
cannot use all of it. NumPy's ufuncs release the GIL, so plain threads, each on its own range
of a 1-d view, let the cores share the work. :mod:`relu_course.numpy_nn.activations` uses
this for ReLU and its backward pass, and ``relu-course bench`` for the copy they are compared
with, so that both sides of the ratio use the same threads.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["MAX_THREADS", "PARALLEL_MIN", "ROW", "flat_views", "in_parts", "threads"]

#: Elements per row: a row of float32 (256 KiB) and its temporaries stay in a core's L2 cache.
ROW = 1 << 16
#: Below this many elements (a few milliseconds of work) one thread does it all. Threads cost
#: little to start, but on a 2-core machine any other busy thread (torch's OpenMP workers spin
#: for a while after each torch call) halves them: at 4M float32 elements, right after torch
#: calls, two threads ran at 0.30 of a copy where one ran at 0.94.
PARALLEL_MIN = 1 << 24
#: Memory bandwidth is saturated by a few cores; more threads only contend.
MAX_THREADS = 4


def threads() -> int:
    """How many threads :func:`in_parts` uses for a large array: usable cores, at most 4."""
    usable = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    return max(1, min(len(usable) if usable else os.cpu_count() or 1, MAX_THREADS))


def flat_views(*arrays: np.ndarray) -> tuple[np.ndarray, ...] | None:
    """1-d views of the arrays in one shared element order, or None if there is none.

    Args:
        arrays: arrays of one shape.

    Returns:
        Views (no copies) when every array is C-contiguous, or every one F-contiguous.
    """
    # Plain loops: this runs on every call, and for a 16-element ReLU a microsecond counts.
    for a in arrays:
        if not a.flags.c_contiguous:
            break
    else:
        return tuple([a.ravel() for a in arrays])
    for a in arrays:
        if not a.flags.f_contiguous:
            return None
    return tuple([a.ravel("F") for a in arrays])


def in_parts(n: int, work: Callable[..., None], *args: Any) -> None:
    """Call ``work(*args, lo, hi)`` on consecutive ranges covering ``[0, n)``, one per thread.

    Every ``lo`` is a multiple of :data:`ROW`. Below :data:`PARALLEL_MIN` elements it is one
    range, done in the calling thread. Threads are started per call rather than kept in a
    pool: a pool's threads would not survive a ``fork``, and starting them costs about 0.1 ms.

    Args:
        n: the number of elements.
        work: computes the elements ``lo`` to ``hi - 1``; it must touch no other element.
        args: passed to ``work`` first (cheaper than a closure, for the small arrays).

    Raises:
        BaseException: the first exception a part raised, after every part has ended.
    """
    if n < PARALLEL_MIN:  # the common case, kept to one call: small arrays pay nothing
        work(*args, 0, n)
        return
    parts = threads()
    bounds = [n * i // parts // ROW * ROW for i in range(parts)] + [n]
    errors: list[BaseException] = []

    def guarded(lo: int, hi: int) -> None:
        try:
            work(*args, lo, hi)
        except BaseException as e:  # re-raised in the calling thread below
            errors.append(e)

    helpers = [
        threading.Thread(target=guarded, args=(bounds[i], bounds[i + 1])) for i in range(1, parts)
    ]
    for t in helpers:
        t.start()
    guarded(bounds[0], bounds[1])
    for t in helpers:
        t.join()
    if errors:
        raise errors[0]
