"""SzCORE event and sample scoring, identical to ``timescoring`` 0.0.7 with its defaults.

SzCORE (Dan et al., Epilepsia 2024) is the community standard adopted after 2024: reference
and hypothesis events closer than 90 s are merged, events longer than 300 s are split, and a
reference event is detected when a hypothesis overlaps the window from 30 s before its onset
to 60 s after its end. ``timescoring`` builds boolean masks (10 Hz for events, 1 Hz for
samples) and loops over events in Python; here every step works on integer sample ranges of
all files at once, giving the same counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from seizure.io.events import Event
from seizure.scoring.events import ScoringError, check_duration, seizure_spans
from seizure.scoring.intervals import intersection_length, intersects, per_file, union
from seizure.scoring.summary import SECONDS_PER_DAY, finite_or_none

__all__ = [
    "SzcoreParams",
    "Spans",
    "event_counts",
    "sample_counts",
    "szcore_event",
    "szcore_sample",
    "aggregate",
]


@dataclass(frozen=True)
class SzcoreParams:
    """Parameters of SzCORE event scoring (``timescoring.scoring.EventScoring.Parameters``).

    Parameters
    ----------
    tolerance_start : float
        Seconds before a reference onset in which a detection still counts (30).
    tolerance_end : float
        Seconds after a reference end in which a detection still counts (60).
    min_overlap : float
        Minimum fraction of the tolerance window the hypothesis must cover (0: any
        overlap).
    max_event_duration : float or None
        Events longer than this many seconds are split into pieces of this length (300);
        None disables splitting.
    min_duration_between_events : float
        Events separated by less than this many seconds are merged (90).
    event_fs : int
        Time resolution of event scoring, Hz (timescoring uses 10).
    sample_fs : int
        Sampling rate of the label masks of sample scoring, Hz (1).
    """

    tolerance_start: float = 30.0
    tolerance_end: float = 60.0
    min_overlap: float = 0.0
    max_event_duration: float | None = 300.0
    min_duration_between_events: float = 90.0
    event_fs: int = 10
    sample_fs: int = 1


@dataclass
class Spans:
    """Seizure events of many files as flat arrays, sorted by file then start.

    Parameters
    ----------
    file : ndarray of int64, shape (n,)
        File index of each event.
    start, stop : ndarray of float64, shape (n,)
        Seconds, file-local.
    """

    file: np.ndarray
    start: np.ndarray
    stop: np.ndarray

    @classmethod
    def from_lists(cls, spans: Sequence[Sequence[tuple[float, float]]]) -> Spans:
        """Flatten per-file lists of ``(start, stop)`` (each sorted, as from
        :func:`seizure.scoring.events.seizure_spans`).

        Parameters
        ----------
        spans : sequence of sequence of (float, float)
            One list per file of seizure events in seconds, sorted by start; file ``f`` of the
            result is ``spans[f]``.

        Returns
        -------
        Spans
            The events of every file, file index from 0 in the given order.
        """
        counts = [len(s) for s in spans]
        flat = [x for s in spans for x in s]
        return cls(
            np.repeat(np.arange(len(spans), dtype=np.int64), counts),
            np.fromiter((x[0] for x in flat), dtype=np.float64, count=len(flat)),
            np.fromiter((x[1] for x in flat), dtype=np.float64, count=len(flat)),
        )


def _n_samples(durations: np.ndarray, fs: int) -> np.ndarray:
    # round() of Python and numpy's rint both round half to even.
    return np.rint(np.asarray(durations, dtype=np.float64) * fs).astype(np.int64)


def _offsets(n: np.ndarray) -> np.ndarray:
    """Start of each file on the global sample axis, one free sample between files."""
    return np.concatenate([[0], np.cumsum(n + 1)[:-1]]).astype(np.int64)


def _mask_ranges(spans: Spans, fs: int, n: np.ndarray, offset: np.ndarray):
    """Sample ranges ``mask[round(start * fs):round(stop * fs)]`` on the global axis."""
    lim = n[spans.file]
    lo = np.clip(np.rint(spans.start * fs).astype(np.int64), 0, lim)
    hi = np.clip(np.rint(spans.stop * fs).astype(np.int64), 0, lim)
    return lo + offset[spans.file], hi + offset[spans.file]


def _merge(spans: Spans, min_gap: float) -> Spans:
    """Merge consecutive events of a file separated by less than ``min_gap`` seconds."""
    n = len(spans.start)
    if n == 0:
        return spans
    join = np.zeros(n, dtype=bool)
    join[1:] = (spans.file[1:] == spans.file[:-1]) & (spans.start[1:] - spans.stop[:-1] < min_gap)
    first = np.flatnonzero(~join)
    last = np.concatenate([first[1:] - 1, [n - 1]])
    # As timescoring: a merged event ends where its last event ends.
    return Spans(spans.file[first], spans.start[first], spans.stop[last])


def _split(spans: Spans, max_duration: float | None) -> Spans:
    """Split events longer than ``max_duration`` into pieces, as timescoring does."""
    if max_duration is None or len(spans.start) == 0:
        return spans
    files, starts, stops = [], [], []
    cur_f, cur, end = spans.file, spans.start.copy(), spans.stop
    while cur.size:
        long = end - cur > max_duration
        done = ~long
        files.append(cur_f[done])
        starts.append(cur[done])
        stops.append(end[done])
        if not long.any():
            break
        cur_f, cur, end = cur_f[long], cur[long], end[long]
        piece_end = cur + max_duration
        files.append(cur_f)
        starts.append(cur)
        stops.append(piece_end)
        cur = piece_end
    return Spans(np.concatenate(files), np.concatenate(starts), np.concatenate(stops))


def event_counts(
    ref: Spans, hyp: Spans, durations: np.ndarray, params: SzcoreParams = SzcoreParams()
) -> dict[str, np.ndarray]:
    """SzCORE event-scoring counts per file.

    Parameters
    ----------
    ref, hyp : Spans
        Reference and hypothesis seizure events of every file.
    durations : ndarray, shape (n_files,)
        Recording durations, seconds.
    params : SzcoreParams
        Scoring parameters (defaults of ``timescoring`` 0.0.7).

    Returns
    -------
    dict
        ``tp``, ``fp``, ``ref_true`` and ``n_samples`` (at ``params.event_fs``), each an
        int64 array of shape (n_files,).

    Notes
    -----
    Per file this gives the counts of ``timescoring.scoring.EventScoring(ref, hyp)`` where
    ``ref``/``hyp`` are ``timescoring.annotations.Annotation(events, fs, n)`` of the same
    events with ``n / fs`` equal to the duration: events are merged when the gap to the
    previous event is under ``min_duration_between_events`` (the merged event ends where the
    last one ends), split into ``max_event_duration`` pieces, and rasterized at
    ``event_fs`` Hz as ``mask[round(start * fs):round(stop * fs)]``. A reference piece is a
    true positive when the hypothesis mask covers more than ``min_overlap`` (+1e-6) of its
    window ``[max(0, start - tolerance_start), min(duration, stop + tolerance_end)]``; a
    hypothesis piece is a false positive when no sample of it lies in a true-positive
    window (an empty piece, shorter than half a sample, always is). Events are expected
    sorted and non-overlapping, as :func:`seizure.scoring.events.seizure_spans` returns
    them; sample indices outside the recording are clipped where timescoring would wrap
    around.
    """
    fs = int(params.event_fs)
    durations = np.asarray(durations, dtype=np.float64)
    n_files = len(durations)
    n = _n_samples(durations, fs)
    offset = _offsets(n)
    gap = params.min_duration_between_events
    ref_p = _split(_merge(ref, gap), params.max_event_duration)
    hyp_p = _split(_merge(hyp, gap), params.max_event_duration)

    # Hypothesis mask (union of its pieces) on the global sample axis.
    h_lo, h_hi = _mask_ranges(hyp_p, fs, n, offset)
    u_lo, u_hi = union(h_lo, h_hi)

    # Tolerance windows of the reference pieces.
    file_dur = n[ref_p.file] / fs
    a = np.maximum(0.0, ref_p.start - params.tolerance_start)
    b = np.minimum(file_dur, ref_p.stop + params.tolerance_end)
    lim = n[ref_p.file]
    w_lo = np.clip(np.rint(a * fs).astype(np.int64), 0, lim) + offset[ref_p.file]
    w_hi = np.clip(np.rint(b * fs).astype(np.int64), 0, lim) + offset[ref_p.file]
    covered = intersection_length(u_lo, u_hi, w_lo, w_hi)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = (covered / fs) / (b - a)
    tp = rel > params.min_overlap + 1e-6

    t_lo, t_hi = union(w_lo[tp], w_hi[tp])
    fp = ~intersects(t_lo, t_hi, h_lo, h_hi)
    return {
        "tp": per_file(ref_p.file, tp.astype(np.float64), n_files).astype(np.int64),
        "fp": per_file(hyp_p.file, fp.astype(np.float64), n_files).astype(np.int64),
        "ref_true": per_file(ref_p.file, None, n_files).astype(np.int64),
        "n_samples": n,
    }


def sample_counts(ref: Spans, hyp: Spans, durations: np.ndarray, fs: int = 1) -> dict[str, np.ndarray]:
    """SzCORE sample-scoring counts per file (``timescoring.scoring.SampleScoring``).

    Parameters
    ----------
    ref, hyp : Spans
        Reference and hypothesis seizure events of every file.
    durations : ndarray, shape (n_files,)
        Recording durations, seconds.
    fs : int
        Label sampling rate, Hz (1).

    Returns
    -------
    dict
        ``tp`` (seizure samples in both masks), ``fp`` (hypothesis-only samples),
        ``ref_true`` (reference seizure samples) and ``n_samples``, int64 arrays of shape
        (n_files,). Masks are ``round(duration * fs)`` samples long with
        ``mask[round(start * fs):round(stop * fs)] = True`` per event.
    """
    durations = np.asarray(durations, dtype=np.float64)
    n_files = len(durations)
    n = _n_samples(durations, fs)
    offset = _offsets(n)
    r_lo, r_hi = union(*_mask_ranges(ref, fs, n, offset))
    h_lo, h_hi = union(*_mask_ranges(hyp, fs, n, offset))
    both = intersection_length(r_lo, r_hi, h_lo, h_hi)

    def by_file(lo, hi, values):
        f = np.searchsorted(offset, lo, side="right") - 1
        return per_file(f, values.astype(np.float64), n_files).astype(np.int64)

    ref_true = by_file(r_lo, r_hi, r_hi - r_lo)
    hyp_true = by_file(h_lo, h_hi, h_hi - h_lo)
    tp = by_file(h_lo, h_hi, both)
    return {"tp": tp, "fp": hyp_true - tp, "ref_true": ref_true, "n_samples": n}


def _scores(tp, fp, ref_true, days):
    """Sensitivity, precision, F1 and FP/24h (NaN where undefined), as timescoring."""
    tp, fp, ref_true, days = (np.asarray(x, dtype=np.float64) for x in (tp, fp, ref_true, days))
    with np.errstate(divide="ignore", invalid="ignore"):
        sens = np.where(ref_true > 0, tp / ref_true, np.nan)
        prec = np.where(tp + fp > 0, tp / (tp + fp), np.nan)
        f1 = np.where(ref_true + fp > 0, 2 * tp / (2 * tp + fp + (ref_true - tp)), np.nan)
        rate = np.where(days > 0, fp / days, np.nan)
    return sens, prec, f1, rate


def _nan_stat(fn, x) -> float | None:
    x = np.asarray(x, dtype=np.float64)
    x = x[~np.isnan(x)]
    return None if x.size == 0 else float(fn(x))


def aggregate(counts: dict[str, np.ndarray], fs: int, subjects: Sequence[str] | None = None) -> dict:
    """Pooled and per-subject SzCORE figures.

    Parameters
    ----------
    counts : dict
        Per-file ``tp``, ``fp``, ``ref_true``, ``n_samples`` (from :func:`event_counts` or
        :func:`sample_counts`).
    fs : int
        Sampling rate of ``n_samples``, Hz.
    subjects : sequence of str, optional
        Subject of each file (see :func:`seizure.io.references.subject_of`); each file is its
        own subject if None.

    Returns
    -------
    dict
        ``{"tp", "fp", "ref_true", "sensitivity", "precision", "f1", "fp_per_24h",
        "per_subject": {"n_subjects", "sensitivity_mean", "sensitivity_std", "precision_mean",
        "precision_std", "f1_mean", "f1_std", "fp_per_24h_mean", "fp_per_24h_std"}}``.
        Pooled figures sum the counts and durations of all files first. Per-subject figures
        sum each subject's files, compute the scores, and take the mean and the population
        standard deviation over subjects where the score is defined (``numpy.nanmean`` /
        ``numpy.nanstd``, as the SzCORE evaluation does); ``n_subjects`` is the number of
        distinct subjects. Undefined figures are None.
    """
    tp = np.asarray(counts["tp"], dtype=np.int64)
    fp = np.asarray(counts["fp"], dtype=np.int64)
    ref_true = np.asarray(counts["ref_true"], dtype=np.int64)
    n = np.asarray(counts["n_samples"], dtype=np.int64)
    days = n / fs / SECONDS_PER_DAY
    pooled = _scores(tp.sum(), fp.sum(), ref_true.sum(), n.sum() / fs / SECONDS_PER_DAY)
    if subjects is None:
        subjects = [str(i) for i in range(len(tp))]
    if len(subjects) != len(tp):
        raise ScoringError(f"subjects: got {len(subjects)} subjects for {len(tp)} files; expected one per file")
    _, sid = np.unique(np.asarray(subjects, dtype=object).astype(str), return_inverse=True)
    k = int(sid.max()) + 1 if sid.size else 0

    def by_subject(x):
        return np.bincount(sid, weights=np.asarray(x, dtype=np.float64), minlength=k)

    per = _scores(by_subject(tp), by_subject(fp), by_subject(ref_true), by_subject(days))
    out = {
        "tp": int(tp.sum()),
        "fp": int(fp.sum()),
        "ref_true": int(ref_true.sum()),
        "sensitivity": finite_or_none(pooled[0]),
        "precision": finite_or_none(pooled[1]),
        "f1": finite_or_none(pooled[2]),
        "fp_per_24h": finite_or_none(pooled[3]),
        "per_subject": {"n_subjects": k},
    }
    for name, values in zip(("sensitivity", "precision", "f1", "fp_per_24h"), per):
        out["per_subject"][f"{name}_mean"] = _nan_stat(np.mean, values)
        out["per_subject"][f"{name}_std"] = _nan_stat(np.std, values)
    return out


def _single(ref: Sequence[Event], hyp: Sequence[Event], duration: float):
    duration = check_duration(duration)
    return (
        Spans.from_lists([seizure_spans(ref)]),
        Spans.from_lists([seizure_spans(hyp)]),
        np.array([duration]),
    )


def _one_file(counts: dict[str, np.ndarray], fs: int) -> dict:
    tp, fp, ref_true = (int(counts[k][0]) for k in ("tp", "fp", "ref_true"))
    days = int(counts["n_samples"][0]) / fs / SECONDS_PER_DAY
    return {
        "tp": tp,
        "fp": fp,
        "ref_true": ref_true,
        "sensitivity": tp / ref_true if ref_true > 0 else None,
        "precision": tp / (tp + fp) if tp + fp > 0 else None,
        "f1": 2 * tp / (2 * tp + fp + (ref_true - tp)) if ref_true + fp > 0 else None,
        "fp_per_24h": fp / days if days > 0 else None,
    }


def szcore_event(
    ref: Sequence[Event],
    hyp: Sequence[Event],
    duration: float,
    params: SzcoreParams = SzcoreParams(),
) -> dict:
    """SzCORE event scoring of one file.

    Parameters
    ----------
    ref, hyp : sequence of Event
        Reference and hypothesis events (seizure labels are kept, others ignored).
    duration : float
        Recording duration, seconds.
    params : SzcoreParams
        Scoring parameters.

    Returns
    -------
    dict
        ``tp``, ``fp``, ``ref_true``, ``sensitivity``, ``precision``, ``f1`` and
        ``fp_per_24h`` (None where undefined). See :func:`event_counts`.

    Examples
    --------
    A detection 20 s before the onset is still a hit; one far away is a false positive.

    >>> from seizure.io.annotations import Event
    >>> out = szcore_event([Event(100, 160, "seiz")], [Event(80, 90, "seiz"), Event(600, 610, "seiz")], 3600)
    >>> out["tp"], out["fp"], out["sensitivity"]
    (1, 1, 1.0)
    """
    r, h, d = _single(ref, hyp, duration)
    return _one_file(event_counts(r, h, d, params), params.event_fs)


def szcore_sample(ref: Sequence[Event], hyp: Sequence[Event], duration: float, fs: int = 1) -> dict:
    """SzCORE sample scoring (1 Hz label masks) of one file; keys as :func:`szcore_event`.

    Parameters
    ----------
    ref, hyp : sequence of Event
        Reference and hypothesis events (seizure labels are kept, others ignored).
    duration : float
        Recording duration, seconds.
    fs : int
        Label sampling rate, Hz (timescoring uses 1).

    Returns
    -------
    dict
        ``tp``, ``fp``, ``ref_true`` in samples, ``sensitivity``, ``precision``, ``f1`` and
        ``fp_per_24h`` (None where undefined). See :func:`sample_counts`.
    """
    r, h, d = _single(ref, hyp, duration)
    return _one_file(sample_counts(r, h, d, fs), fs)
