"""Operating curves: sensitivity against FA/24h over thresholds and post-processing settings.

Curves and their summaries only; the operating point is fitted by
:meth:`seizure.postprocess.EventDetector.fit`, which scores its candidates with :func:`sweep`.

A detector outputs per-step probabilities; :class:`~seizure.postprocess.EventDetector` turns
them into events for one threshold. :func:`sweep` scores many thresholds at once: the
probabilities of every recording are smoothed once, and for each threshold the events of all
recordings are found and scored together with the vectorized scorers of
:mod:`seizure.scoring` (OVLP, TAES, SzCORE event scoring), so a 100-threshold sweep over 1,000
recordings takes seconds. The figures are the same as scoring each recording's
``detector.predict(probs, duration, threshold)`` with the per-file scorers.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from seizure._validation import SeizureError
from seizure.io.annotations import Event
from seizure.scoring.events import SEIZ, label_track, seizure_spans
from seizure.scoring.ovlp import ovlp_intervals
from seizure.scoring.summary import SECONDS_PER_DAY
from seizure.scoring.szcore import Spans, SzcoreParams, event_counts
from seizure.scoring.taes import taes_intervals

if TYPE_CHECKING:  # the detector is used through its methods: no import cycle with the fitter
    from seizure.postprocess import EventDetector

__all__ = [
    "CurveError",
    "CURVE_METRICS",
    "FA_LEVELS",
    "FIXED_THRESHOLDS",
    "candidate_thresholds",
    "sweep",
    "best_sensitivity_at",
    "sensitivity_at",
    "auc_up_to",
    "curve_summary",
    "operating_curves",
    "sweep_postprocessing",
]

#: Metrics a sweep can score: NEDC OVLP and TAES (SEIZ row) and SzCORE event scoring.
CURVE_METRICS = ("ovlp", "taes", "taes_exact", "szcore")
#: FA/24h levels at which sensitivities are reported.
FA_LEVELS = (1.0, 2.0, 6.0, 10.0)
#: Thresholds every sweep tries besides the quantiles of the scores.
FIXED_THRESHOLDS = tuple(np.linspace(0.02, 0.98, 49).tolist())
_TOL = 1e-9


class CurveError(SeizureError):
    """Bad arguments of a curve (metric, per-recording lists, FA/24h range)."""


def candidate_thresholds(
    probs: list[np.ndarray], detector: EventDetector, n: int = 60, fixed: Sequence[float] = FIXED_THRESHOLDS
) -> np.ndarray:
    """Thresholds spread over the quantiles of the smoothed scores (plus a fixed grid).

    Parameters
    ----------
    probs : list of ndarray, each shape (n_steps,)
        Per-step probabilities of each recording.
    detector : EventDetector
        Supplies the smoothing (:meth:`~seizure.postprocess.EventDetector.smoothed`).
    n : int
        Number of quantiles, spread over the upper half of the pooled smoothed scores.
    fixed : sequence of float
        Thresholds always included (default :data:`FIXED_THRESHOLDS`).

    Returns
    -------
    ndarray of float64, shape (n_thresholds,)
        Sorted unique thresholds (rounded to 6 decimals), at most ``n + len(fixed)`` of them;
        the 19 values 0.05, 0.10, ..., 0.95 without scores.
    """
    pooled = [detector.smoothed(p) for p in probs if p.size]
    if not pooled:
        return np.linspace(0.05, 0.95, 19)
    qs = np.quantile(np.concatenate(pooled), np.linspace(0.5, 0.9999, n))
    return np.unique(np.round(np.concatenate([qs, np.asarray(fixed, dtype=np.float64)]), 6))


@dataclass
class _Prepared:
    """Everything of a sweep that does not depend on the threshold."""

    scores: np.ndarray  # smoothed probabilities of all recordings, -inf between recordings
    first: np.ndarray  # index of each recording's first step in ``scores``
    durations: np.ndarray
    ref_file: np.ndarray  # SEIZ segments of the reference label tracks (NEDC)
    ref_start: np.ndarray
    ref_stop: np.ndarray
    ref_ptr: np.ndarray
    ref_spans: Spans  # reference seizures for SzCORE


def _prepare(probs, refs, durations, detector: EventDetector) -> _Prepared:
    if not (len(probs) == len(refs) == len(durations)):
        raise CurveError(
            f"probs, refs and durations must have one entry per recording, got "
            f"{len(probs)}, {len(refs)} and {len(durations)}"
        )
    durations = np.asarray(durations, dtype=np.float64)
    smoothed = [detector.smoothed(p) for p in probs]
    sizes = np.array([s.size for s in smoothed], dtype=np.int64)
    first = np.concatenate([[0], np.cumsum(sizes + 1)[:-1]]).astype(np.int64)
    scores = np.full(int(sizes.sum() + len(sizes)), -np.inf)
    for s, a in zip(smoothed, first):
        scores[a : a + s.size] = s
    segs = [[(s, e) for s, e, lab in label_track(ref, d) if lab == SEIZ] for ref, d in zip(refs, durations)]
    counts = np.array([len(s) for s in segs], dtype=np.int64)
    flat = [x for s in segs for x in s]
    return _Prepared(
        scores=scores,
        first=first,
        durations=durations,
        ref_file=np.repeat(np.arange(len(segs), dtype=np.int64), counts),
        ref_start=np.array([x[0] for x in flat], dtype=np.float64),
        ref_stop=np.array([x[1] for x in flat], dtype=np.float64),
        ref_ptr=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        ref_spans=Spans.from_lists([seizure_spans(ref) for ref in refs]),
    )


def _detect(prep: _Prepared, detector: EventDetector, threshold: float) -> Spans:
    """Events of every recording at ``threshold``, as ``detector.predict`` finds them."""
    s = detector.to_dict()
    mask = np.concatenate([[False], prep.scores >= threshold, [False]])
    edges = np.diff(mask.astype(np.int8))
    run_a = np.flatnonzero(edges == 1)
    run_b = np.flatnonzero(edges == -1)
    file = np.searchsorted(prep.first, run_a, side="right") - 1
    a = run_a - prep.first[file]
    b = run_b - prep.first[file]
    if a.size:
        gap = s["merge_gap_s"] / s["step_s"]
        join = np.zeros(a.size, dtype=bool)
        join[1:] = (file[1:] == file[:-1]) & (a[1:] - b[:-1] <= gap)
        head = np.flatnonzero(~join)
        tail = np.concatenate([head[1:] - 1, [a.size - 1]])
        file, a, b = file[head], a[head], b[tail]
    start = a * s["step_s"]
    stop = np.minimum(b * s["step_s"], prep.durations[file])
    keep = (stop - start >= s["min_duration_s"]) & (stop > start)
    spans = Spans(file[keep], start[keep], stop[keep])
    # Label tracks merge events closer than their 4-decimal rounding; with steps of at
    # least a millisecond this never happens, otherwise rebuild those files' tracks.
    close = (spans.file[1:] == spans.file[:-1]) & (spans.start[1:] - spans.stop[:-1] < 1e-3)
    if close.any():
        spans = _retrack(spans, np.unique(spans.file[1:][close]), prep.durations)
    return spans


def _retrack(spans: Spans, files: np.ndarray, durations: np.ndarray) -> Spans:
    parts = []
    redo = set(files.tolist())
    for f in range(len(durations)):
        sel = spans.file == f
        if f in redo:
            evs = [Event(s, e, SEIZ) for s, e in zip(spans.start[sel], spans.stop[sel])]
            segs = [(s, e) for s, e, lab in label_track(evs, durations[f]) if lab == SEIZ]
        else:
            segs = list(zip(spans.start[sel], spans.stop[sel]))
        parts.append(segs)
    return Spans.from_lists(parts)


def _score(prep: _Prepared, hyp: Spans, metric: str, szcore: SzcoreParams) -> tuple[float, float, float, float]:
    """``(targets, hits, misses, false_alarms)`` of the SEIZ row, and the duration (s)."""
    n_files = len(prep.durations)
    if metric == "ovlp":
        rows = ovlp_intervals(prep.ref_file, prep.ref_start, prep.ref_stop, hyp.file, hyp.start, hyp.stop, n_files)
    elif metric in ("taes", "taes_exact"):
        h_ptr = np.searchsorted(hyp.file, np.arange(n_files + 1), side="left")
        rows = taes_intervals(
            prep.ref_ptr,
            prep.ref_start,
            prep.ref_stop,
            h_ptr,
            hyp.start,
            hyp.stop,
            exact=metric == "taes_exact",
        )
    else:
        c = event_counts(prep.ref_spans, hyp, prep.durations, szcore)
        tp, ref_true = float(c["tp"].sum()), float(c["ref_true"].sum())
        seconds = float(c["n_samples"].sum()) / szcore.event_fs
        return (ref_true, tp, ref_true - tp, float(c["fp"].sum())), seconds
    t = rows.sum(axis=0)
    return (float(t[0]), float(t[1]), float(t[2]), float(t[3])), float(prep.durations.sum())


def _row(threshold: float, counts, seconds: float) -> dict:
    targets, hits, misses, fas = counts
    return {
        "threshold": float(threshold),
        "sensitivity": None if hits + misses == 0 else hits / (hits + misses),
        "fa_per_24h": fas / seconds * SECONDS_PER_DAY if seconds > 0 else None,
        "hits": hits,
        "targets": targets,
        "false_alarms": fas,
    }


def _check_metric(metric: str) -> str:
    metric = "szcore" if metric == "szcore_event" else metric
    if metric not in CURVE_METRICS:
        raise CurveError(f"unknown curve metric {metric!r}; expected one of {list(CURVE_METRICS)}")
    return metric


def operating_curves(
    probs: list[np.ndarray],
    refs: list[list[Event]],
    durations: list[float],
    detector: EventDetector,
    thresholds: np.ndarray | None = None,
    metrics: Sequence[str] = ("ovlp", "taes", "szcore"),
    szcore: SzcoreParams = SzcoreParams(),
) -> dict[str, list[dict]]:
    """Operating curves of several metrics from one pass over the thresholds.

    Parameters
    ----------
    probs : list of ndarray, each shape (n_steps,)
        Per-step probabilities of each recording (step ``i`` covers
        ``[i * step_s, (i + 1) * step_s)``).
    refs : list of list of Event
        Reference events of each recording.
    durations : list of float
        Recording durations, seconds (every recording counts towards FA/24h).
    detector : EventDetector
        Post-processing settings; its threshold is ignored.
    thresholds : ndarray, shape (n_thresholds,), optional
        Thresholds to score, any order (default :func:`candidate_thresholds`).
    metrics : sequence of str
        Names from :data:`CURVE_METRICS` (``"szcore_event"`` is accepted for ``"szcore"``).
    szcore : SzcoreParams
        SzCORE parameters.

    Returns
    -------
    dict
        ``{metric: curve}``, each curve a list of ``{"threshold", "sensitivity",
        "fa_per_24h", "hits", "targets", "false_alarms"}`` sorted by threshold (SEIZ row
        for NEDC metrics; for SzCORE hits are true positives, targets reference events and
        false alarms false positives, per day of recording as SzCORE counts it).
    """
    metrics = [_check_metric(m) for m in metrics]
    if thresholds is None:
        thresholds = candidate_thresholds(probs, detector)
    prep = _prepare(probs, refs, durations, detector)
    curves: dict[str, list[dict]] = {m: [] for m in metrics}
    for thr in np.sort(np.asarray(thresholds, dtype=np.float64)):
        hyp = _detect(prep, detector, float(thr))
        for m in metrics:
            counts, seconds = _score(prep, hyp, m, szcore)
            curves[m].append(_row(thr, counts, seconds))
    return curves


def sweep(
    probs: list[np.ndarray],
    refs: list[list[Event]],
    durations: list[float],
    detector: EventDetector,
    thresholds: np.ndarray,
    metric: str = "ovlp",
) -> list[dict]:
    """Operating curve: for each threshold, the pooled SEIZ sensitivity and FA/24h.

    Parameters
    ----------
    probs, refs, durations, detector
        As :func:`operating_curves`.
    thresholds : ndarray, shape (n_thresholds,)
        Thresholds to score, any order.
    metric : str
        ``"ovlp"``, ``"taes"``, ``"taes_exact"`` or ``"szcore"``.

    Returns
    -------
    list of dict
        ``{"threshold", "sensitivity", "fa_per_24h", "hits", "targets", "false_alarms"}``,
        sorted by threshold. Sensitivity is ``hits / (hits + misses)`` (None without
        targets); FA/24h is over the summed durations of all recordings.
    """
    metric = _check_metric(metric)
    return operating_curves(probs, refs, durations, detector, thresholds, (metric,))[metric]


def best_sensitivity_at(curve: list[dict], max_fa_per_24h: float) -> dict | None:
    """The curve point with the highest sensitivity whose FA/24h is at most ``max_fa_per_24h``
    (ties: the higher threshold). None if no point qualifies.

    Parameters
    ----------
    curve : list of dict
        Rows with ``threshold``, ``sensitivity`` and ``fa_per_24h`` (:func:`sweep`); a row whose
        FA/24h is None never qualifies, a None sensitivity counts as 0.
    max_fa_per_24h : float
        Largest false alarms per 24 h allowed (with a 1e-9 tolerance).

    Returns
    -------
    dict or None
        The chosen row itself (not a copy).
    """
    ok = [r for r in curve if r["fa_per_24h"] is not None and r["fa_per_24h"] <= max_fa_per_24h + _TOL]
    if not ok:
        return None
    return max(ok, key=lambda r: ((r["sensitivity"] or 0.0), r["threshold"]))


def sensitivity_at(curve: list[dict], fa_levels: Sequence[float] = FA_LEVELS) -> dict[float, float | None]:
    """Best sensitivity at FA/24h at most each level (None where no point qualifies).

    Parameters
    ----------
    curve : list of dict
        Rows with ``threshold``, ``sensitivity`` and ``fa_per_24h`` (:func:`sweep`).
    fa_levels : sequence of float
        False alarms per 24 h (default :data:`FA_LEVELS`).

    Returns
    -------
    dict
        ``{level: sensitivity}`` for every level of ``fa_levels``.
    """
    out = {}
    for level in fa_levels:
        best = best_sensitivity_at(curve, level)
        out[float(level)] = None if best is None else best["sensitivity"]
    return out


def auc_up_to(curve: list[dict], max_fa_per_24h: float) -> float | None:
    """Normalized area under the sensitivity-vs-FA/24h curve from 0 to ``max_fa_per_24h``.

    Parameters
    ----------
    curve : list of dict
        Points with ``sensitivity`` and ``fa_per_24h``.
    max_fa_per_24h : float
        Upper end of the FA/24h range, > 0.

    Returns
    -------
    float or None
        ``(1 / max_fa) * integral of S(x) dx`` over ``[0, max_fa]`` where ``S(x)`` is the best
        sensitivity among points with FA/24h <= x (0 below the first point): the
        achievable operating envelope, a step function, so the area never credits points
        between thresholds that were not measured. 1.0 is perfect detection with no false
        alarms. None if no point has a defined sensitivity.

    Examples
    --------
    >>> auc_up_to([{"fa_per_24h": 0.0, "sensitivity": 0.5}, {"fa_per_24h": 5.0, "sensitivity": 1.0}], 10.0)
    0.75
    """
    if not max_fa_per_24h > 0:
        raise CurveError(f"max_fa_per_24h: expected a positive FA/24h, got {max_fa_per_24h!r}")
    pts = sorted(
        (r["fa_per_24h"], r["sensitivity"])
        for r in curve
        if r["fa_per_24h"] is not None and r["sensitivity"] is not None
    )
    if not pts:
        return None
    area, best = 0.0, 0.0
    xs = [p[0] for p in pts] + [np.inf]
    for k, (fa, sens) in enumerate(pts):
        best = max(best, sens)
        lo, hi = min(fa, max_fa_per_24h), min(xs[k + 1], max_fa_per_24h)
        area += best * max(hi - lo, 0.0)
    return area / max_fa_per_24h


def curve_summary(curve: list[dict], max_fa_per_24h: float = 10.0, fa_levels: Sequence[float] = FA_LEVELS) -> dict:
    """``{"auc": auc_up_to(curve, max_fa), "max_fa_per_24h": max_fa, "sensitivity_at":
    sensitivity_at(curve, fa_levels)}``.

    Parameters
    ----------
    curve : list of dict
        Rows with ``threshold``, ``sensitivity`` and ``fa_per_24h`` (:func:`sweep`).
    max_fa_per_24h : float
        Upper end of the FA/24h range of the area (:func:`auc_up_to`), > 0.
    fa_levels : sequence of float
        FA/24h levels of ``sensitivity_at`` (:func:`sensitivity_at`).

    Returns
    -------
    dict
        ``auc`` (float or None), ``max_fa_per_24h`` (float) and ``sensitivity_at``
        (``{level: sensitivity or None}``).

    Raises
    ------
    CurveError
        If ``max_fa_per_24h`` is not > 0.
    """
    return {
        "auc": auc_up_to(curve, max_fa_per_24h),
        "max_fa_per_24h": float(max_fa_per_24h),
        "sensitivity_at": sensitivity_at(curve, fa_levels),
    }


def sweep_postprocessing(
    probs: list[np.ndarray],
    refs: list[list[Event]],
    durations: list[float],
    detector: EventDetector,
    grid: Mapping[str, Sequence[float]],
    thresholds: np.ndarray | None = None,
    metrics: Sequence[str] = ("ovlp", "taes", "szcore"),
    max_fa_per_24h: float = 10.0,
) -> list[dict]:
    """Operating curves for every combination of post-processing settings.

    Parameters
    ----------
    probs, refs, durations, detector
        As :func:`operating_curves`; ``detector`` gives the settings not in ``grid``.
    grid : mapping
        Settings to vary, e.g. ``{"smooth_s": [0, 5, 10], "min_duration_s": [2, 5]}``
        (fields of :class:`~seizure.postprocess.EventDetector`).
    thresholds : ndarray, shape (n_thresholds,), optional
        Thresholds (default: :func:`candidate_thresholds` of each setting).
    metrics : sequence of str
        Curve metrics.
    max_fa_per_24h : float
        Upper FA/24h of the area under each curve.

    Returns
    -------
    list of dict
        One ``{"settings": {...}, "curves": {metric: curve}, "summary": {metric:
        curve_summary(...)}}`` per combination, in grid order.
    """
    fields = {"step_s", "smooth_s", "min_duration_s", "merge_gap_s"}
    unknown = sorted(set(grid) - fields)
    if unknown:
        raise CurveError(f"grid: unknown post-processing setting(s) {unknown}; expected from {sorted(fields)}")
    names = list(grid)
    out = []
    for values in itertools.product(*(grid[k] for k in names)):
        settings = dict(zip(names, (float(v) for v in values)))
        det = replace(detector, threshold_=None, **settings)
        curves = operating_curves(probs, refs, durations, det, thresholds, metrics)
        out.append(
            {
                "settings": settings,
                "curves": curves,
                "summary": {m: curve_summary(c, max_fa_per_24h) for m, c in curves.items()},
            }
        )
    return out
