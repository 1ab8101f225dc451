"""Event counts and the figures derived from them (sensitivity, FA/24h, ...)."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

__all__ = ["Counts", "summarize", "label_rows", "finite_or_none", "SECONDS_PER_DAY"]

SECONDS_PER_DAY = 86400.0


@dataclass
class Counts:
    """Event counts of one label, summed over files.

    Parameters
    ----------
    targets : float
        Number of reference events with this label.
    hits : float
        Detected reference events (fractional for TAES).
    misses : float
        Missed reference events (fractional for TAES).
    false_alarms : float
        False alarms (fractional for TAES; epochs for EPOCH).

    Notes
    -----
    For OVLP and EPOCH the counts are integers stored as floats. For TAES ``hits + misses``
    equals ``targets`` except in rare cases of the official algorithm (see :func:`seizure.scoring.taes`).
    """

    targets: float = 0.0
    hits: float = 0.0
    misses: float = 0.0
    false_alarms: float = 0.0

    def __post_init__(self) -> None:
        for f in fields(self):
            setattr(self, f.name, float(getattr(self, f.name)))

    def __add__(self, other: Counts) -> Counts:
        if not isinstance(other, Counts):
            return NotImplemented
        return Counts(
            self.targets + other.targets,
            self.hits + other.hits,
            self.misses + other.misses,
            self.false_alarms + other.false_alarms,
        )


def finite_or_none(x) -> float | None:
    """``float(x)``, or None for None and NaN (JSON has no NaN).

    Parameters
    ----------
    x : float, numpy scalar or None
        Any value ``float`` accepts.

    Returns
    -------
    float or None
        The value as a Python float (infinities are kept); None for None and NaN.
    """
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else x


def _ratio(num: float, den: float) -> float | None:
    return None if den == 0 else num / den


def summarize(
    counts: Counts,
    total_duration_s: float,
    *,
    true_negatives: float | None = None,
    epoch_s: float | None = None,
) -> dict:
    """Derived figures of one label's counts.

    Parameters
    ----------
    counts : Counts
        Counts of one label, summed over files.
    total_duration_s : float
        Summed duration of *all* scored recordings (with or without seizures), seconds.
    true_negatives : float, optional
        The official tool's true negatives for this label: the summed hits of the other
        labels. When given, ``specificity`` is computed.
    epoch_s : float, optional
        For EPOCH counts: each false alarm stands for ``epoch_s`` seconds of false-alarm
        time, so ``fa_per_24h = false_alarms * epoch_s / total_duration_s * 86400``.

    Returns
    -------
    dict
        ``targets``, ``hits``, ``misses``, ``false_alarms`` (copied), and the fractions
        ``sensitivity = hits / (hits + misses)``, ``precision = hits / (hits +
        false_alarms)``, ``f1 = 2 hits / (2 hits + false_alarms + misses)`` (the harmonic
        mean of the two), ``specificity = TN / (TN + false_alarms)``, and
        ``fa_per_24h = false_alarms / total_duration_s * 86400``. A figure is None where it
        is undefined (0/0, no duration, or no ``true_negatives`` given); the official tool
        prints 0 there.
    """
    tp, fn, fp = counts.hits, counts.misses, counts.false_alarms
    total = float(total_duration_s)
    scale = 1.0 if epoch_s is None else float(epoch_s)
    return {
        "targets": counts.targets,
        "hits": tp,
        "misses": fn,
        "false_alarms": fp,
        "sensitivity": _ratio(tp, tp + fn),
        "precision": _ratio(tp, tp + fp),
        "f1": _ratio(2.0 * tp, 2.0 * tp + fp + fn),
        "specificity": None if true_negatives is None else _ratio(true_negatives, true_negatives + fp),
        "fa_per_24h": _ratio(fp * scale * SECONDS_PER_DAY, total) if total > 0 else None,
    }


def label_rows(counts: dict[str, Counts], total_duration_s: float, epoch_s: float | None = None) -> dict[str, dict]:
    """:func:`summarize` every label, with the official true negatives.

    Parameters
    ----------
    counts : dict
        ``{label: Counts}`` summed over files.
    total_duration_s : float
        Summed duration of all scored recordings, seconds.
    epoch_s : float, optional
        Epoch length in seconds for EPOCH counts (false alarms are epochs); see :func:`summarize`.

    Returns
    -------
    dict
        ``{label: summarize(...)}``; a label's true negatives are the summed hits of the
        other labels, as the official tool computes them.
    """
    out = {}
    for label, c in counts.items():
        others = sum(o.hits for name, o in counts.items() if name != label)
        out[label] = summarize(c, total_duration_s, true_negatives=others, epoch_s=epoch_s)
    return out
