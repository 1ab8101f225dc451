"""TAES (time-aligned event scoring) with fractional counts, as ``nedc_eeg_eval`` v6.0.0."""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Sequence

import numpy as np

from seizure.io.events import Event
from seizure.scoring.events import LABELS, Tracks, check_duration, label_track
from seizure.scoring.summary import Counts

__all__ = ["taes", "taes_label", "taes_tracks", "taes_intervals"]

Span = tuple[float, float]


def _partial(r0: float, r1: float, h0: float, h1: float) -> tuple[float, float]:
    """TAES hit and false-alarm fractions of one hypothesis against one reference."""
    span = r1 - r0
    if h0 <= r0 and h1 <= r1:  # starts early, ends inside (or before)
        return (h1 - r0) / span, min((r0 - h0) / span, 1.0)
    if h0 >= r0 and h1 >= r1:  # starts inside (or after), ends late
        return (r1 - h0) / span, min((h1 - r1) / span, 1.0)
    if h0 < r0 and h1 > r1:  # covers the whole reference
        return 1.0, min(((h1 - r1) + (r0 - h0)) / span, 1.0)
    return (h1 - h0) / span, 0.0  # inside the reference


def _touching(starts: list[float], stops: list[float], lo: float, hi: float, exact: bool) -> range:
    """Indexes of the (sorted, disjoint) intervals touching ``[lo, hi]``.

    Exact: strict overlap. Official: sharing a whole second (integer parts of the bounds).
    """
    if exact:
        return range(bisect_right(stops, lo), bisect_left(starts, hi))
    first, last = math.floor(lo), math.floor(hi)
    return range(bisect_left(stops, first), bisect_left(starts, last + 1))


def taes_label(ref: Sequence[Span], hyp: Sequence[Span], exact: bool = False) -> tuple[float, float, float, float]:
    """TAES counts of one label in one file.

    Parameters
    ----------
    ref, hyp : sequence of (start, stop)
        The file's reference and hypothesis segments of one label, sorted and disjoint
        (the segments of that label in the label tracks).
    exact : bool
        Use exact strict overlap instead of the official whole-second test.

    Returns
    -------
    (targets, hits, misses, false_alarms)
        Fractional counts; see :func:`taes` for the algorithm.
    """
    n, m = len(ref), len(hyp)
    if m == 0:
        return float(n), 0.0, float(n), 0.0
    if n == 0:
        return 0.0, 0.0, 0.0, float(m)
    rs = [r[0] for r in ref]
    re = [r[1] for r in ref]
    hs = [h[0] for h in hyp]
    he = [h[1] for h in hyp]
    ref_free = [True] * n
    hyp_free = [True] * m
    hits = misses = fas = 0.0
    for i in range(n):
        if not ref_free[i]:
            continue
        r0, r1 = rs[i], re[i]
        # Scored only if a hypothesis really (strictly) overlaps the reference.
        k = bisect_right(he, r0)
        if not (k < m and hs[k] < r1):
            continue
        candidates = _touching(hs, he, r0, r1, exact)
        for j in candidates:
            if not hyp_free[j]:
                continue
            h0, h1 = hs[j], he[j]
            hit, fa = _partial(r0, r1, h0, h1)
            miss = 1.0 - hit
            ref_free[i] = False
            hyp_free[j] = False
            if h1 >= r1:
                # The hypothesis runs past the reference: later references it touches are
                # used up as misses.
                for k in _touching(rs, re, h0, h1, exact):
                    if k > i:
                        ref_free[k] = False
                        miss += 1.0
            else:
                # The reference outlasts the hypothesis: later hypotheses touching the
                # reference add their partial hits and false alarms.
                for k in candidates:
                    if k > j:
                        hyp_free[k] = False
                        more_hit, more_fa = _partial(r0, r1, hs[k], he[k])
                        hit += more_hit
                        miss -= more_hit
                        fa += more_fa
            hits += hit
            misses += miss
            fas += fa
    misses += sum(ref_free)
    fas += sum(hyp_free)
    return float(n), hits, misses, fas


def taes_intervals(
    r_ptr: np.ndarray,
    r_start: np.ndarray,
    r_stop: np.ndarray,
    h_ptr: np.ndarray,
    h_start: np.ndarray,
    h_stop: np.ndarray,
    exact: bool = False,
) -> np.ndarray:
    """TAES counts of one label, per file, from flat interval arrays.

    Parameters
    ----------
    r_ptr, h_ptr : ndarray, shape (n_files + 1,)
        Segments of file ``f`` are ``ptr[f]:ptr[f + 1]`` of the matching start/stop arrays.
    r_start, r_stop, h_start, h_stop : ndarray, shape (r_ptr[-1],) for ``r_*``, (h_ptr[-1],) for ``h_*``
        Segment bounds (s), file-local, sorted and disjoint within a file.
    exact : bool
        Exact strict overlap instead of the official whole-second test.

    Returns
    -------
    ndarray of float64, shape (n_files, 4)
        ``targets, hits, misses, false_alarms`` per file.
    """
    n_files = len(r_ptr) - 1
    out = np.zeros((n_files, 4))
    n_ref = np.diff(r_ptr)
    n_hyp = np.diff(h_ptr)
    # Files with one side empty need no alignment.
    out[:, 0] = n_ref
    out[:, 2] = np.where(n_hyp == 0, n_ref, 0)
    out[:, 3] = np.where(n_ref == 0, n_hyp, 0)
    both = np.flatnonzero((n_ref > 0) & (n_hyp > 0))
    if both.size:
        rs, re = r_start.tolist(), r_stop.tolist()
        hs, he = h_start.tolist(), h_stop.tolist()
        for f in both.tolist():
            a, b = r_ptr[f], r_ptr[f + 1]
            c, d = h_ptr[f], h_ptr[f + 1]
            out[f] = taes_label(list(zip(rs[a:b], re[a:b])), list(zip(hs[c:d], he[c:d])), exact)
    return out


def taes_tracks(ref: Tracks, hyp: Tracks, exact: bool = False) -> dict[str, np.ndarray]:
    """TAES counts of every label of a corpus, per file.

    Parameters
    ----------
    ref, hyp : Tracks
        Label tracks of the references and hypotheses (same files, same order).
    exact : bool
        Exact strict overlap instead of the official whole-second test (metric ``taes_exact``).

    Returns
    -------
    dict
        ``{label: ndarray (n_files, 4)}`` of ``targets, hits, misses, false_alarms``.
    """
    out = {}
    grid = np.arange(ref.n_files + 1)
    for code, label in enumerate(LABELS):
        rf, rs, re = ref.of_label(code)
        hf, hs, he = hyp.of_label(code)
        r_ptr = np.searchsorted(rf, grid, side="left")
        h_ptr = np.searchsorted(hf, grid, side="left")
        out[label] = taes_intervals(r_ptr, rs, re, h_ptr, hs, he, exact)
    return out


def taes(ref: Sequence[Event], hyp: Sequence[Event], duration: float, exact: bool = False) -> dict[str, Counts]:
    """TAES (time-aligned event scoring) of one file, with fractional counts.

    Parameters
    ----------
    ref, hyp : sequence of Event
        Reference and hypothesis events of the same recording.
    duration : float
        Recording duration in seconds.
    exact : bool
        If False (default) reproduce the official tool, which decides whether two events
        touch by the whole seconds they span (see Notes). If True use exact-time strict
        overlap instead.

    Returns
    -------
    dict
        ``{"seiz": Counts, "bckg": Counts}`` for this file (fractional).

    Notes
    -----
    Each label is scored on its own segments of the two label tracks. Reference events are
    visited in time order. A reference event is scored only if a hypothesis event of its
    label strictly overlaps it and it has not been used up yet. For each unused hypothesis
    event of the same label that *touches* it, with reference duration ``D``:

    * hit = overlapped time / ``D`` and false alarm = hypothesis time outside the
      reference / ``D``, capped at 1; miss = 1 - hit;
    * if the hypothesis ends at or after the reference's end, every later reference event
      of the same label that it touches is used up and counted as one more miss;
    * otherwise every later hypothesis event of the same label that touches the reference
      is used up and adds its own hit and false-alarm fractions (the miss shrinks by the
      added hit).

    Reference events never scored count as one miss each; hypothesis events never used
    count as one false alarm each. Counts are booked under the reference event's label.

    **Whole-second overlap test.** The official ``nedc_eeg_eval`` v6.0.0 decides that a
    reference ``[r0, r1]`` and a hypothesis ``[h0, h1]`` touch when the integer ranges
    ``int(r0)..int(r1)`` and ``int(h0)..int(h1)`` share a value, not when the intervals
    overlap in time. Events that only come within the same second therefore interact: a
    hypothesis ``[10.85, 11.5]`` touches a reference ``[10.2, 10.8]`` and contributes a
    *negative* hit of ``(10.8 - 10.85) / 0.6`` and a false alarm capped at 1. With the
    default ``exact=False`` this behaviour is reproduced, so results match the official
    tool; ``exact=True`` (metric name ``taes_exact``) uses ``h1 > r0 and h0 < r1``
    throughout: results then depend only on the actual overlaps, but no longer match the
    published tool.

    Examples
    --------
    The worked example of the metric's description: references [1, 3], [4, 5], [7, 8] s and
    one hypothesis [2, 9] s in a 10 s file give TP 0.5, FN 2.5, FA 1.0.

    >>> from seizure.io.annotations import Event
    >>> ref = [Event(1, 3, "seiz"), Event(4, 5, "seiz"), Event(7, 8, "seiz")]
    >>> taes(ref, [Event(2, 9, "seiz")], 10.0)["seiz"]
    Counts(targets=3.0, hits=0.5, misses=2.5, false_alarms=1.0)
    """
    duration = check_duration(duration)
    r, h = label_track(ref, duration), label_track(hyp, duration)
    return {
        label: Counts(
            *taes_label(
                [(s, e) for s, e, lab in r if lab == label],
                [(s, e) for s, e, lab in h if lab == label],
                exact,
            )
        )
        for label in LABELS
    }
