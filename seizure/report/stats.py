"""Confidence intervals and per-seizure matching for the evaluation report.

Intervals (all 95%, two-sided):

- **patient-level bootstrap** (percentile, ``n_boot`` resamples of patients with replacement,
  fixed seed): the pooled sensitivity ``sum(hits) / sum(targets)`` and FA/24h
  ``sum(false alarms) / sum(hours) * 24`` are recomputed on each resample. Patients, not seizures,
  are the independent units (seizures of one patient resemble each other), so this is the headline
  interval. With few patients it is coarse and can be degenerate.
- **Wilson score** interval for sensitivity, treating seizures as independent trials (narrower
  than the bootstrap when seizures cluster within patients).
- **exact Poisson (Garwood)** interval for FA/24h, treating false alarms as a Poisson count over
  the total recording time (gamma quantiles, so fractional TAES counts are accepted).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from seizure.io.annotations import Event
from seizure.scoring import label_track

__all__ = [
    "Z95",
    "wilson",
    "poisson_rate_interval",
    "bootstrap_patients",
    "SeizureMatch",
    "match_seizures",
    "describe",
]

Z95 = float(stats.norm.ppf(0.975))
_DAY = 86400.0


def wilson(hits: float, n: float, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval of a proportion ``hits / n`` (None when ``n == 0``).

    Parameters
    ----------
    hits : float
        Successes (detected seizures).
    n : float
        Trials (reference seizures).
    z : float
        Standard normal quantile of the interval (default: 95%, two-sided).

    Returns
    -------
    tuple of (float, float) | None
        ``(lo, hi)`` within [0, 1], or None when ``n <= 0``.
    """
    if n <= 0:
        return None
    p = min(max(hits / n, 0.0), 1.0)
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    lo = 0.0 if p <= 0.0 else max(0.0, centre - half)
    hi = 1.0 if p >= 1.0 else min(1.0, centre + half)
    return lo, hi


def poisson_rate_interval(count: float, exposure_s: float, per_s: float = _DAY) -> tuple[float, float] | None:
    """Exact (Garwood) 95% interval of a Poisson rate, expressed per ``per_s`` seconds.

    ``[Gamma.ppf(0.025, k), Gamma.ppf(0.975, k + 1)] / exposure``; the lower bound is 0 for k = 0.

    Parameters
    ----------
    count : float
        Events counted (may be fractional, as TAES false alarms are).
    exposure_s : float
        Observation time in seconds.
    per_s : float
        Length in seconds of the rate's unit of time (default one day: events per 24 h).

    Returns
    -------
    tuple of (float, float) | None
        ``(lo, hi)`` events per ``per_s`` seconds, or None when ``exposure_s <= 0``.
    """
    if exposure_s <= 0:
        return None
    k = max(float(count), 0.0)
    lo = 0.0 if k == 0 else float(stats.gamma.ppf(0.025, k))
    hi = float(stats.gamma.ppf(0.975, k + 1.0))
    scale = per_s / exposure_s
    return lo * scale, hi * scale


def bootstrap_patients(
    hits: np.ndarray,
    targets: np.ndarray,
    false_alarms: np.ndarray,
    durations_s: np.ndarray,
    n_boot: int = 2000,
    seed: int = 0,
) -> dict:
    """Percentile bootstrap over patients of pooled sensitivity and FA/24h.

    Parameters
    ----------
    hits, targets, false_alarms, durations_s : ndarray, shape (n_patients,)
        Per-patient sums: detected seizures, reference seizures, false alarms and recording time
        in seconds.
    n_boot : int
        Bootstrap resamples.
    seed : int
        Seed of the resampling (the intervals are reproducible).

    Returns
    -------
    dict
        ``sensitivity`` and ``fa_per_24h``: ``[lo, hi]`` or None (no patient, or no resample with
        a seizure), plus ``n_boot``, ``seed`` and ``n_patients``.
    """
    hits, targets = np.asarray(hits, float), np.asarray(targets, float)
    fa, dur = np.asarray(false_alarms, float), np.asarray(durations_s, float)
    n = hits.size
    out = {"n_boot": n_boot, "seed": seed, "n_patients": int(n), "sensitivity": None, "fa_per_24h": None}
    if n == 0:
        return out
    idx = np.random.default_rng(seed).integers(0, n, size=(n_boot, n))
    t = targets[idx].sum(axis=1)
    ok = t > 0
    if ok.any():
        sens = hits[idx].sum(axis=1)[ok] / t[ok]
        out["sensitivity"] = [float(np.percentile(sens, 2.5)), float(np.percentile(sens, 97.5))]
    d = dur[idx].sum(axis=1)
    okd = d > 0
    if okd.any():
        rate = fa[idx].sum(axis=1)[okd] / d[okd] * _DAY
        out["fa_per_24h"] = [float(np.percentile(rate, 2.5)), float(np.percentile(rate, 97.5))]
    return out


@dataclass(frozen=True)
class SeizureMatch:
    """One reference seizure (after NEDC's merging of touching events) and its first detection.

    ``latency`` is the start of the first overlapping detection minus the seizure onset, in seconds
    (negative when the detection began before the annotated onset); None when missed.

    Parameters
    ----------
    start, stop : float
        The seizure, seconds from the start of the recording.
    type : str
        Seizure type (label of the typed event covering most of it).
    detected : bool
        Whether a detection overlaps it.
    latency : float | None
        Seconds from onset to the first overlapping detection, None when missed.
    """

    start: float
    stop: float
    type: str
    detected: bool
    latency: float | None


def _seiz(track) -> list[tuple[float, float]]:
    return [(a, b) for a, b, lab in track if lab == "seiz"]


def match_seizures(refs: list[Event], hyps: list[Event], duration: float) -> tuple[list[SeizureMatch], int]:
    """Per-seizure OVLP matching of one recording.

    Both event lists become NEDC label tracks (sorted, touching seizures merged); a reference
    seizure is detected when a hypothesis event strictly overlaps it (``h.stop > r.start and
    h.start < r.stop``), and a hypothesis event overlapping no reference is a false alarm: the
    OVLP rule, so the totals equal :func:`seizure.scoring.ovlp`'s counts.

    Parameters
    ----------
    refs : list of Event
        Reference seizures; ``label`` is the seizure type.
    hyps : list of Event
        Detections.
    duration : float
        Recording duration (seconds).

    Returns
    -------
    matches : list of SeizureMatch
        One per (merged) reference seizure; the type is that of the typed event covering most of it.
    false_alarms : int
        Hypothesis events (after merging) that overlap no reference seizure.
    """
    ref_iv = _seiz(label_track([Event(e.start, e.stop, "seiz") for e in refs], duration))
    hyp_iv = _seiz(label_track([Event(e.start, e.stop, "seiz") for e in hyps], duration))
    matches = []
    for a, b in ref_iv:
        over = [h for h in hyp_iv if h[1] > a and h[0] < b]
        weight: dict[str, float] = {}
        for e in refs:
            ov = min(b, e.stop) - max(a, e.start)
            if ov > 0:
                weight[e.label] = weight.get(e.label, 0.0) + ov
        typ = max(sorted(weight), key=lambda k: weight[k]) if weight else "seiz"
        first = min((h[0] for h in over), default=None)
        matches.append(SeizureMatch(a, b, typ, bool(over), None if first is None else first - a))
    fas = sum(1 for h in hyp_iv if not any(h[1] > a and h[0] < b for a, b in ref_iv))
    return matches, fas


def describe(values: list[float]) -> dict:
    """``n``, ``mean``, ``median``, ``q1``, ``q3``, ``min``, ``max`` (None when empty).

    Parameters
    ----------
    values : list of float
        The sample.

    Returns
    -------
    dict
        The summary statistics; all but ``n`` (0) are None for an empty sample.
    """
    v = np.asarray(values, dtype=float)
    if v.size == 0:
        return {"n": 0, "mean": None, "median": None, "q1": None, "q3": None, "min": None, "max": None}
    return {
        "n": int(v.size),
        "mean": float(v.mean()),
        "median": float(np.median(v)),
        "q1": float(np.percentile(v, 25)),
        "q3": float(np.percentile(v, 75)),
        "min": float(v.min()),
        "max": float(v.max()),
    }
