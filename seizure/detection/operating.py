"""Fitting the whole post-processing (smoothing, minimum duration, merge gap, threshold) on dev.

For every combination of a small grid of smoothing, minimum-duration and merge-gap settings the
threshold is swept (:func:`seizure.operating_point.sweep`); the operating point is the combination
and threshold that best meets the target:

- a target FA/24h: the highest sensitivity at FA/24h <= target (ties: fewer false alarms, then
  the median threshold of the plateau, as :func:`seizure.operating_point.fit_threshold` does);
- a target sensitivity: the fewest false alarms at sensitivity >= target (ties: the highest
  sensitivity, then the median threshold of the plateau).

If no setting reaches the target, the closest one is taken (fewest false alarms, or highest
sensitivity) and the result says ``target_met: false``.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np

from seizure.io.annotations import Event
from seizure.operating_point import candidate_thresholds, sweep
from seizure.postprocess import EventDetector

__all__ = ["DEFAULT_GRID", "fit_postprocess"]

#: Settings tried by default (seconds).
DEFAULT_GRID = {"smooth_s": (0.0, 5.0, 10.0), "min_duration_s": (0.0, 5.0, 10.0), "merge_gap_s": (0.0, 10.0, 30.0)}


def _rank(row: dict, target_fa: float | None, target_sens: float | None) -> tuple:
    """Sort key of a curve row: rows meeting the target first, then the better trade-off."""
    sens = row["sensitivity"] or 0.0
    fa = row["fa_per_24h"] if row["fa_per_24h"] is not None else np.inf
    if target_fa is not None:
        met = fa <= target_fa + 1e-9
        return (met, sens, -fa) if met else (met, -fa, sens)
    met = sens >= target_sens - 1e-9
    return (met, -fa, sens) if met else (met, sens, -fa)


def fit_postprocess(
    probs: list[np.ndarray],
    refs: list[list[Event]],
    durations: list[float],
    step_s: float,
    target_fa_per_24h: float | None = None,
    target_sensitivity: float | None = None,
    metric: str = "ovlp",
    grid: dict | None = None,
) -> tuple[EventDetector, dict]:
    """Choose post-processing settings and threshold on labelled recordings (the dev split).

    Parameters
    ----------
    probs : list of ndarray, shape (n_steps,)
        Per-step probabilities per recording.
    refs : list of list of Event
        Reference seizures per recording.
    durations : list of float
        Recording durations (seconds); all recordings count towards FA/24h.
    step_s : float
        Seconds per step.
    target_fa_per_24h, target_sensitivity : float
        Exactly one of the two (sensitivity as a fraction in [0, 1]).
    metric : {"ovlp", "taes"}
        Scoring used for the fit.
    grid : dict, optional
        ``{"smooth_s": [...], "min_duration_s": [...], "merge_gap_s": [...]}`` (default
        :data:`DEFAULT_GRID`; a missing key keeps that default).

    Returns
    -------
    detector : EventDetector
        With ``threshold_`` set.
    fit : dict
        ``target`` (kind and value), ``metric``, ``target_met``, ``chosen`` (the curve row: threshold,
        sensitivity, fa_per_24h, hits, targets, false_alarms), ``settings`` and ``candidates``
        (best row per grid combination), and ``n_recordings``/``hours`` fitted on.
    """
    if (target_fa_per_24h is None) == (target_sensitivity is None):
        raise ValueError("give exactly one of target_fa_per_24h and target_sensitivity")
    if target_sensitivity is not None and not 0.0 <= target_sensitivity <= 1.0:
        raise ValueError(f"target_sensitivity must be a fraction in [0, 1], got {target_sensitivity}")
    if target_fa_per_24h is not None and target_fa_per_24h < 0:
        raise ValueError(f"target_fa_per_24h must be >= 0, got {target_fa_per_24h}")
    if metric not in ("ovlp", "taes"):
        raise ValueError(f"metric must be 'ovlp' or 'taes', got {metric!r}")
    if not probs:
        raise ValueError("no recordings to fit the operating point on")
    g = {**DEFAULT_GRID, **(grid or {})}
    unknown = sorted(set(g) - set(DEFAULT_GRID))
    if unknown:
        raise ValueError(f"grid: unknown key(s) {unknown}; expected {sorted(DEFAULT_GRID)}")
    candidates = []
    for smooth_s, min_dur, gap in itertools.product(g["smooth_s"], g["min_duration_s"], g["merge_gap_s"]):
        det = EventDetector(step_s, float(smooth_s), float(min_dur), float(gap))
        curve = sweep(probs, refs, durations, det, candidate_thresholds(probs, det), metric)
        ranks = [_rank(r, target_fa_per_24h, target_sensitivity) for r in curve]
        best = max(ranks)
        plateau = sorted((r for r, k in zip(curve, ranks) if k == best), key=lambda r: r["threshold"])
        row = plateau[len(plateau) // 2]
        candidates.append({"smooth_s": det.smooth_s, "min_duration_s": det.min_duration_s,
                           "merge_gap_s": det.merge_gap_s, "met": bool(best[0]), **row})
    # best trade-off; ties: the least post-processing (smaller smoothing, gap, minimum duration)
    chosen = max(candidates, key=lambda c: (_rank(c, target_fa_per_24h, target_sensitivity),
                                            -c["smooth_s"], -c["merge_gap_s"], -c["min_duration_s"]))
    detector = replace(
        EventDetector(step_s, chosen["smooth_s"], chosen["min_duration_s"], chosen["merge_gap_s"]),
        threshold_=chosen["threshold"],
    )
    fit = {
        "target": {"kind": "fa_per_24h", "value": target_fa_per_24h} if target_fa_per_24h is not None
        else {"kind": "sensitivity", "value": target_sensitivity},
        "metric": metric,
        "target_met": chosen["met"],
        "chosen": {k: chosen[k] for k in ("threshold", "sensitivity", "fa_per_24h", "hits", "targets", "false_alarms")},
        "settings": {k: chosen[k] for k in ("smooth_s", "min_duration_s", "merge_gap_s")},
        "grid": {k: [float(v) for v in vals] for k, vals in g.items()},
        "candidates": candidates,
        "n_recordings": len(probs),
        "hours": float(sum(durations)) / 3600.0,
    }
    return detector, fit
