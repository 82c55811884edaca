"""numpy_nn._parallel: ranges that cover the array once, threads only where they pay."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from relu_course.numpy_nn import _parallel as P


@pytest.mark.parametrize("parts", [1, 2, 3, 4])
@pytest.mark.parametrize("extra", [0, 1, P.ROW - 1])
def test_parts_cover_every_element_once(monkeypatch, parts, extra):
    monkeypatch.setattr(P, "threads", lambda: parts)
    n = P.PARALLEL_MIN + extra
    seen = np.zeros(n, np.int8)
    ranges: list[tuple[int, int]] = []

    def work(lo: int, hi: int) -> None:
        ranges.append((lo, hi))
        seen[lo:hi] += 1

    P.in_parts(n, work)
    assert (seen == 1).all()
    assert len(ranges) == parts
    assert all(lo % P.ROW == 0 for lo, _ in ranges)


def test_small_arrays_stay_in_the_calling_thread(monkeypatch):
    monkeypatch.setattr(P, "threads", lambda: 4)
    where: list[threading.Thread] = []
    P.in_parts(P.PARALLEL_MIN - 1, lambda lo, hi: where.append(threading.current_thread()))
    assert where == [threading.current_thread()]
    P.in_parts(0, lambda lo, hi: where.append(threading.current_thread()))
    assert len(where) == 2  # one empty range, still called once


def test_large_arrays_use_other_threads(monkeypatch):
    monkeypatch.setattr(P, "threads", lambda: 2)
    where: set[int] = set()
    P.in_parts(P.PARALLEL_MIN, lambda lo, hi: where.add(threading.get_ident()))
    assert len(where) == 2


def test_an_error_in_a_helper_thread_reaches_the_caller_after_every_part_ends(monkeypatch):
    monkeypatch.setattr(P, "threads", lambda: 3)
    done: list[int] = []

    def work(lo: int, hi: int) -> None:
        if lo:
            raise MemoryError(f"part at {lo}")
        done.append(lo)

    with pytest.raises(MemoryError, match="part at"):
        P.in_parts(P.PARALLEL_MIN, work)
    assert done == [0]


def test_threads_is_between_one_and_the_cap():
    assert 1 <= P.threads() <= P.MAX_THREADS


def test_flat_views_share_an_order_or_there_are_none():
    c = np.arange(6.0).reshape(2, 3)
    f = np.asfortranarray(c)
    a, b = P.flat_views(c, c.copy())
    assert b.tolist() == a.tolist()
    assert np.shares_memory(a, c)
    assert a.tolist() == [0, 1, 2, 3, 4, 5]
    (ff,) = P.flat_views(f)
    assert ff.tolist() == [0, 3, 1, 4, 2, 5]
    assert P.flat_views(c, f) is None
    assert P.flat_views(c[:, ::2]) is None
