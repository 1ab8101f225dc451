"""Vectorized helpers on per-file interval sets stored as flat arrays.

Scoring a corpus file by file in Python costs tens of microseconds per file; these helpers let
the scorers work on all files at once. A *file-sorted* set holds, for every interval, its file
index and its bounds, sorted by file and then by start. Comparisons of float times stay within a
file (no offsets are added to float times, which would change their rounding); integer sample or
epoch indices are moved onto one global axis by adding integer per-file offsets, which is exact.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "count_before",
    "union",
    "covered",
    "intersection_length",
    "intersects",
    "per_file",
    "segmented_cummax",
]


def count_before(
    a_file: np.ndarray,
    a_val: np.ndarray,
    q_file: np.ndarray,
    q_val: np.ndarray,
    *,
    inclusive: bool,
) -> np.ndarray:
    """Per query, the number of values of the same file below it (or at most it).

    Parameters
    ----------
    a_file, a_val : ndarray, shape (n,)
        File index and value of each element, sorted by file then value.
    q_file, q_val : ndarray, shape (m,)
        File index and value of each query (any order).
    inclusive : bool
        Count ``a_val <= q_val`` if True, ``a_val < q_val`` if False.

    Returns
    -------
    ndarray of int64, shape (m,)
        The within-file rank of each query among the ``a`` values: the ``searchsorted`` of the
        query in its own file's values (``side="right"`` if inclusive, else ``"left"``).

    Notes
    -----
    Exact for any float values: the elements and queries are sorted together by
    (file, value, tie) with ``numpy.lexsort``, so no float arithmetic is done on the values.
    """
    n, m = len(a_val), len(q_val)
    if m == 0:
        return np.zeros(0, dtype=np.int64)
    if n == 0:
        return np.zeros(m, dtype=np.int64)
    files = np.concatenate([a_file, q_file])
    vals = np.concatenate([a_val, q_val])
    # On equal values, elements sort before queries when counted (inclusive), after otherwise.
    tie = np.empty(n + m, dtype=np.int8)
    tie[:n] = 0 if inclusive else 1
    tie[n:] = 1 if inclusive else 0
    order = np.lexsort((tie, vals, files))
    is_a = order < n
    before = np.cumsum(is_a) - is_a  # elements strictly before each position
    pos = np.empty(n + m, dtype=np.int64)
    pos[order] = np.arange(n + m)
    first_of_file = np.searchsorted(a_file, q_file, side="left")
    return before[pos[n:]] - first_of_file


def union(start: np.ndarray, stop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Union of integer (or float) half-open intervals ``[start, stop)``.

    Parameters
    ----------
    start, stop : ndarray, shape (n,)
        Bounds in any order; empty intervals (``stop <= start``) are dropped.

    Returns
    -------
    start, stop : ndarray, shape (k,)
        Starts and stops of the k <= n disjoint, sorted intervals covering the same points
        (touching intervals are merged), of the input dtype.
    """
    keep = stop > start
    start, stop = start[keep], stop[keep]
    if start.size == 0:
        return start, stop
    order = np.argsort(start, kind="stable")
    start, stop = start[order], stop[order]
    reach = np.maximum.accumulate(stop)
    new = np.empty(start.size, dtype=bool)
    new[0] = True
    new[1:] = start[1:] > reach[:-1]
    first = np.flatnonzero(new)
    return start[first], np.maximum.reduceat(stop, first)


def covered(u_start: np.ndarray, u_stop: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Length of ``[0, x)`` covered by disjoint sorted intervals, for each ``x``.

    Parameters
    ----------
    u_start, u_stop : ndarray, shape (k,)
        Disjoint intervals sorted by start (as returned by :func:`union`).
    x : ndarray, any shape
        Query points.

    Returns
    -------
    ndarray, shape of ``x``
        ``sum(|[u_start, u_stop) ∩ (-inf, x)|)`` per query.
    """
    x = np.asarray(x)
    if u_start.size == 0:
        return np.zeros(x.shape, dtype=u_stop.dtype)
    cum = np.concatenate([[0], np.cumsum(u_stop - u_start)])
    k = np.searchsorted(u_start, x, side="right")  # intervals starting at or before x
    last = np.maximum(k - 1, 0)
    excess = np.where(k > 0, np.maximum(u_stop[last] - x, 0), 0)
    return cum[k] - excess


def intersection_length(u_start: np.ndarray, u_stop: np.ndarray, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """Length of each interval ``[start, stop)`` covered by the disjoint set ``u``.

    Parameters
    ----------
    u_start, u_stop : ndarray, shape (k,)
        Disjoint intervals sorted by start (as returned by :func:`union`).
    start, stop : ndarray, shape (m,)
        The intervals measured; an interval with ``stop < start`` counts as empty.

    Returns
    -------
    ndarray, shape (m,)
        Covered length of each interval, in the unit of the bounds.
    """
    stop = np.maximum(stop, start)
    return covered(u_start, u_stop, stop) - covered(u_start, u_stop, start)


def intersects(u_start: np.ndarray, u_stop: np.ndarray, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """Whether each non-empty ``[start, stop)`` shares a point with the disjoint set ``u``.

    Parameters
    ----------
    u_start, u_stop : ndarray, shape (k,)
        Disjoint intervals sorted by start (as returned by :func:`union`).
    start, stop : ndarray, shape (m,)
        The intervals tested.

    Returns
    -------
    ndarray of bool, shape (m,)
        True where ``[start, stop)`` is non-empty and overlaps some ``[u_start, u_stop)`` on an
        interval of positive length (touching bounds do not count).
    """
    if u_start.size == 0:
        return np.zeros(np.shape(start), dtype=bool)
    k = np.searchsorted(u_stop, start, side="right")  # first interval ending after start
    ok = k < u_start.size
    kk = np.minimum(k, u_start.size - 1)
    return ok & (u_start[kk] < stop) & (start < stop)


def per_file(file: np.ndarray, values: np.ndarray | None, n_files: int) -> np.ndarray:
    """Sum ``values`` (or count elements, if None) per file index.

    Parameters
    ----------
    file : ndarray of int, shape (n,)
        File index of each element, in ``[0, n_files)``, any order.
    values : ndarray, shape (n,), or None
        Value of each element; None counts the elements.
    n_files : int
        Number of files; files without elements get 0.

    Returns
    -------
    ndarray, shape (n_files,)
        Counts (int64) or sums (float64) per file.
    """
    if values is None:
        return np.bincount(file, minlength=n_files)
    return np.bincount(file, weights=values, minlength=n_files)


def segmented_cummax(file: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Running maximum of ``values`` restarted at every new file (``file`` sorted).

    Exact for floats: the running maximum is taken on integer keys built from the files and
    the ranks of the values, then mapped back to the values.

    Parameters
    ----------
    file : ndarray of int, shape (n,)
        File index of each element, sorted (non-decreasing).
    values : ndarray, shape (n,)
        Values in file order.

    Returns
    -------
    ndarray, shape (n,)
        ``max(values[first of its file : i + 1])`` at each position ``i``.
    """
    n = len(values)
    if n == 0:
        return values.copy()
    order = np.argsort(values, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    keys = file.astype(np.int64) * (n + 1) + rank
    best = np.maximum.accumulate(keys) - file.astype(np.int64) * (n + 1)
    return values[order[best]]
