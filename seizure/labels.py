"""Per-step seizure labels of a recording, from its seizure intervals.

A step (or a window) of ``length`` seconds is a seizure step under the rule ``any`` if any of it
lies in a seizure, ``majority`` if at least half of it does, ``centre`` if its centre does.
Used by the cache (labels stored with each entry) and by the window index.
"""

from __future__ import annotations

import numpy as np

from seizure._validation import SeizureError

__all__ = ["RULES", "LabelError", "check_rule", "overlap_labels", "step_labels", "label_runs"]

#: Label rules: a step (or window) is a seizure if any of it, at least half of it, or its centre
#: lies in a seizure.
RULES = ("any", "majority", "centre")


class LabelError(SeizureError):
    """An unknown label rule."""


def check_rule(rule: str) -> None:
    """Raise :class:`LabelError` unless ``rule`` is one of :data:`RULES`.

    Parameters
    ----------
    rule : str
        Label rule to check.

    Raises
    ------
    LabelError
        Naming the rule and the accepted ones.
    """
    if rule not in RULES:
        raise LabelError(f"label rule must be one of {list(RULES)}, got {rule!r}")


def overlap_labels(seizures, starts: np.ndarray, length: float, rule: str) -> np.ndarray:
    """Label of each interval ``[start, start + length)`` under ``rule``.

    Parameters
    ----------
    seizures : iterable of (start, stop)
        Seizure intervals, seconds.
    starts : ndarray, shape (n,)
        Interval starts, seconds.
    length : float
        Interval length, seconds.
    rule : {"any", "majority", "centre"}
        An interval is a seizure if any of it, at least half of it, or its centre lies in a seizure.

    Returns
    -------
    ndarray of bool, shape (n,)
        True for the seizure intervals.
    """
    stops = starts + length
    covered = np.zeros(len(starts))
    centre = np.zeros(len(starts), dtype=bool)
    mid = starts + length / 2
    for a, b in seizures:
        covered += np.clip(np.minimum(stops, b) - np.maximum(starts, a), 0.0, None)
        centre |= (mid >= a) & (mid < b)
    if rule == "any":
        return covered > 0
    if rule == "majority":
        return covered >= length / 2
    return centre


def step_labels(
    seizures: list[tuple[float, float]], duration: float, step_s: float, rule: str = "majority"
) -> np.ndarray:
    """Label each ``step_s`` step of a recording 1 (seizure) or 0.

    Parameters
    ----------
    seizures : list of (start, stop)
        Seizure intervals in seconds.
    duration : float
        Recording length in seconds; ``floor(duration / step_s)`` steps are labelled.
    step_s : float
        Step length in seconds.
    rule : {"any", "majority", "centre"}
        A step is a seizure step if any of it, at least half of it, or its centre lies in a seizure.

    Returns
    -------
    ndarray of uint8, shape (n_steps,)
        1 for seizure steps, 0 otherwise.

    Raises
    ------
    LabelError
        For an unknown rule.
    """
    check_rule(rule)
    n = int(np.floor(duration / step_s + 1e-9))
    return overlap_labels(seizures, np.arange(n) * step_s, step_s, rule).astype(np.uint8)


def label_runs(labels: np.ndarray) -> list[list[int]]:
    """Runs ``[first, stop)`` of consecutive non-zero labels.

    Parameters
    ----------
    labels : ndarray, shape (n_steps,)
        Per-step labels; any non-zero value is a seizure step.

    Returns
    -------
    list of [int, int]
        ``[first, stop)`` step indices of each run, in order.
    """
    d = np.diff(np.concatenate([[0], np.asarray(labels).astype(np.int8), [0]]))
    return [[int(a), int(b)] for a, b in zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1))]
