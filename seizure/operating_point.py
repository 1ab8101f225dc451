"""Threshold sweeps (operating curves) and fitting a detector's threshold to a target FA/24h."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from seizure.io.annotations import Event
from seizure.postprocess import EventDetector, smooth
from seizure.scoring import Counts, ovlp, summarize, taes

__all__ = ["candidate_thresholds", "sweep", "fit_threshold", "best_sensitivity_at"]

_SCORERS = {"ovlp": ovlp, "taes": taes}


def candidate_thresholds(probs: list[np.ndarray], detector: EventDetector, n: int = 60) -> np.ndarray:
    """Thresholds spread over the quantiles of the smoothed scores (plus a fixed grid)."""
    pooled = np.concatenate([smooth(p, detector.step_s, detector.smooth_s) for p in probs if p.size])
    if pooled.size == 0:
        return np.linspace(0.05, 0.95, 19)
    qs = np.quantile(pooled, np.linspace(0.5, 0.9999, n))
    grid = np.linspace(0.02, 0.98, 49)
    return np.unique(np.round(np.concatenate([qs, grid]), 6))


def sweep(
    probs: list[np.ndarray],
    refs: list[list[Event]],
    durations: list[float],
    detector: EventDetector,
    thresholds: np.ndarray,
    metric: str = "ovlp",
) -> list[dict]:
    """Operating curve: for each threshold, the pooled SEIZ sensitivity and FA/24h.

    Returns
    -------
    list of dict
        ``{"threshold", "sensitivity", "fa_per_24h", "hits", "targets", "false_alarms"}``, sorted by
        threshold.
    """
    scorer = _SCORERS[metric]
    total = float(sum(durations))
    rows = []
    for thr in np.sort(thresholds):
        acc = Counts(0.0, 0.0, 0.0, 0.0)
        for p, ref, dur in zip(probs, refs, durations):
            hyp = detector.predict(p, duration=dur, threshold=float(thr))
            acc = acc + scorer(ref, hyp, dur)["seiz"]
        s = summarize(acc, total)
        rows.append(
            {
                "threshold": float(thr),
                "sensitivity": s["sensitivity"],
                "fa_per_24h": s["fa_per_24h"],
                "hits": acc.hits,
                "targets": acc.targets,
                "false_alarms": acc.false_alarms,
            }
        )
    return rows


def best_sensitivity_at(curve: list[dict], max_fa_per_24h: float) -> dict | None:
    """The curve point with the highest sensitivity whose FA/24h is at most ``max_fa_per_24h``
    (ties: the higher threshold). None if no point qualifies."""
    ok = [r for r in curve if r["fa_per_24h"] is not None and r["fa_per_24h"] <= max_fa_per_24h + 1e-9]
    if not ok:
        return None
    return max(ok, key=lambda r: ((r["sensitivity"] or 0.0), r["threshold"]))


def fit_threshold(
    detector: EventDetector,
    probs: list[np.ndarray],
    refs: list[list[Event]],
    durations: list[float],
    target_fa_per_24h: float,
    metric: str = "ovlp",
) -> tuple[EventDetector, list[dict]]:
    """Choose the threshold with the best SEIZ sensitivity at FA/24h <= target on these recordings.

    Several thresholds often reach the same best sensitivity within the target (a plateau, wide
    when the dev split has few seizures); the median threshold of that plateau is taken, which
    keeps a margin on both sides instead of sitting on the edge that happened to fit dev.
    If no threshold meets the target, the one with the fewest false alarms is taken.

    Returns a copy of ``detector`` with ``threshold_`` set, and the curve it was chosen from.
    """
    curve = sweep(probs, refs, durations, detector, candidate_thresholds(probs, detector), metric)
    best = best_sensitivity_at(curve, target_fa_per_24h)
    if best is None:
        best = min(curve, key=lambda r: (r["fa_per_24h"], -r["threshold"]))
    else:
        plateau = [
            r for r in curve
            if r["fa_per_24h"] <= target_fa_per_24h + 1e-9 and r["sensitivity"] == best["sensitivity"]
        ]
        best = plateau[len(plateau) // 2]
    return replace(detector, threshold_=best["threshold"]), curve
