"""OVLP (any-overlap) event scoring, as ``nedc_eeg_eval`` v6.0.0 computes it."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

import numpy as np

from seizure.io.events import Event
from seizure.scoring.events import LABELS, Tracks, check_duration, label_track
from seizure.scoring.intervals import count_before, per_file
from seizure.scoring.summary import Counts

__all__ = ["ovlp", "ovlp_intervals", "ovlp_tracks"]


def ovlp_intervals(
    r_file: np.ndarray,
    r_start: np.ndarray,
    r_stop: np.ndarray,
    h_file: np.ndarray,
    h_start: np.ndarray,
    h_stop: np.ndarray,
    n_files: int,
) -> np.ndarray:
    """OVLP counts of one label, per file, from flat interval arrays.

    Parameters
    ----------
    r_file, r_start, r_stop : ndarray, shape (n,)
        Reference segments of the label: file index and bounds (s), sorted by file then
        time, disjoint within a file.
    h_file, h_start, h_stop : ndarray, shape (m,)
        Hypothesis segments of the label, same layout.
    n_files : int
        Number of files.

    Returns
    -------
    ndarray of float64, shape (n_files, 4)
        ``targets, hits, misses, false_alarms`` per file.

    Notes
    -----
    Overlap is strict (``h.stop > r.start and h.start < r.stop``). Because the segments of
    a label are disjoint and sorted, the only candidate of a reference is the first
    hypothesis that ends after the reference starts (and vice versa), found for all
    segments at once with :func:`seizure.scoring.intervals.count_before`.
    """
    hit = _any_overlap(r_file, r_start, r_stop, h_file, h_start, h_stop)
    matched_h = _any_overlap(h_file, h_start, h_stop, r_file, r_start, r_stop)
    out = np.zeros((n_files, 4))
    out[:, 0] = per_file(r_file, None, n_files)
    out[:, 1] = per_file(r_file, hit.astype(np.float64), n_files)
    out[:, 2] = out[:, 0] - out[:, 1]
    out[:, 3] = per_file(h_file, (~matched_h).astype(np.float64), n_files)
    return out


def _any_overlap(q_file, q_start, q_stop, s_file, s_start, s_stop) -> np.ndarray:
    """Whether each query interval strictly overlaps an interval of the same file in ``s``."""
    if len(q_start) == 0 or len(s_start) == 0:
        return np.zeros(len(q_start), dtype=bool)
    # index (within file) of the first s-interval with stop > q.start
    k = count_before(s_file, s_stop, q_file, q_start, inclusive=True)
    first = np.searchsorted(s_file, q_file, side="left")
    n_in_file = np.searchsorted(s_file, q_file, side="right") - first
    idx = np.minimum(first + k, len(s_start) - 1)
    return (k < n_in_file) & (s_start[idx] < q_stop)


def ovlp_tracks(ref: Tracks, hyp: Tracks) -> dict[str, np.ndarray]:
    """OVLP counts of every label of a corpus, per file.

    Parameters
    ----------
    ref, hyp : Tracks
        Label tracks of the references and hypotheses (same files, same order).

    Returns
    -------
    dict
        ``{label: ndarray (n_files, 4)}`` of ``targets, hits, misses, false_alarms``.
    """
    return {
        label: ovlp_intervals(*ref.of_label(code), *hyp.of_label(code), ref.n_files)
        for code, label in enumerate(LABELS)
    }


def ovlp(ref: Sequence[Event], hyp: Sequence[Event], duration: float) -> dict[str, Counts]:
    """OVLP (any-overlap) scoring of one file.

    Parameters
    ----------
    ref, hyp : sequence of Event
        Reference and hypothesis events of the same recording.
    duration : float
        Recording duration in seconds.

    Returns
    -------
    dict
        ``{"seiz": Counts, "bckg": Counts}`` for this file.

    Notes
    -----
    Both files are turned into label tracks (:func:`seizure.scoring.label_track`). Overlap
    is strict: ``h.stop > r.start and h.start < r.stop`` (touching endpoints do not
    overlap). A reference event is a hit if any hypothesis event of the same label overlaps
    it, else a miss; a hypothesis event is a false alarm if it overlaps no reference event
    of its label. So one hypothesis spanning two seizures gives two hits and no false
    alarm, and several hypotheses inside one seizure give one hit and no false alarm.
    """
    duration = check_duration(duration)
    r, h = label_track(ref, duration), label_track(hyp, duration)
    out = {}
    for label in LABELS:
        rl = [(s, e) for s, e, lab in r if lab == label]
        hl = [(s, e) for s, e, lab in h if lab == label]
        r_stops, h_stops = [e for _, e in rl], [e for _, e in hl]
        hits = sum(_overlaps_any(s, e, hl, h_stops) for s, e in rl)
        fas = sum(not _overlaps_any(s, e, rl, r_stops) for s, e in hl)
        out[label] = Counts(len(rl), hits, len(rl) - hits, fas)
    return out


def _overlaps_any(start: float, stop: float, spans: list[tuple[float, float]], stops: list[float]) -> bool:
    """Whether ``(start, stop)`` strictly overlaps one of the sorted disjoint ``spans``
    (``stops`` are their ends)."""
    k = bisect_right(stops, start)
    return k < len(spans) and spans[k][0] < stop
