"""The search space of a fit and the choice of its operating point.

The settings an :class:`~seizure.postprocess.EventDetector` applies besides its threshold, the
checks of a grid of them (:data:`DEFAULT_GRID`), and the ranking of the scored candidates under
each of :data:`SELECTIONS`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from seizure._validation import SeizureError

__all__ = ["PostprocessError", "DEFAULT_GRID", "SELECTIONS", "ROW_KEYS"]

#: Grid searched by ``seizure detect --fit-on`` (seconds).
DEFAULT_GRID = {"smooth_s": (0.0, 5.0, 10.0), "min_duration_s": (0.0, 5.0, 10.0), "merge_gap_s": (0.0, 10.0, 30.0)}
#: How the operating point is picked among the scored (settings, threshold) candidates:
#:
#: - ``"plateau_median"``: the best sensitivity at FA/24h <= target; several thresholds often reach
#:   it (a plateau, wide when dev holds few seizures) and the median one is taken, which keeps a
#:   margin on both sides. Target not met: the fewest false alarms (highest such threshold). The
#:   fit of ``seizure train`` / ``seizure evaluate``.
#: - ``"plateau_highest"``: the same plateau, its highest threshold (the per-epoch dev metric).
#: - ``"fewest_false_alarms"``: the best sensitivity, then the fewest false alarms, then the median
#:   threshold of the exact ties. Target not met: the fewest false alarms, then the best
#:   sensitivity. The fit of ``seizure detect --fit-on``.
#:
#: With a target sensitivity the roles swap: the fewest FA/24h at sensitivity >= target (ties: as
#: above), else the highest sensitivity.
SELECTIONS = ("plateau_median", "plateau_highest", "fewest_false_alarms")
_SETTINGS = ("smooth_s", "min_duration_s", "merge_gap_s")
#: Figures of a fitted point (one row of an operating curve).
ROW_KEYS = ("threshold", "sensitivity", "fa_per_24h", "hits", "targets", "false_alarms")
_TOL = 1e-9


class PostprocessError(SeizureError):
    """Bad post-processing settings, fitting arguments or fitted file (names the field)."""


def _rank(row: dict, kind: str, target: float, selection: str) -> tuple:
    """Sort key of a curve row under ``selection`` (larger is better; see :data:`SELECTIONS`).

    The rows of a curve that share the largest key form the plateau whose median threshold is
    taken; a key ending in the threshold makes the plateau one row (the highest threshold).
    """
    sens = row["sensitivity"] or 0.0
    fa = row["fa_per_24h"] if row["fa_per_24h"] is not None else math.inf
    thr = row["threshold"]
    if kind == "fa_per_24h":
        met = fa <= target + _TOL
        if selection == "fewest_false_alarms":
            return (met, sens, -fa) if met else (met, -fa, sens)
        if not met:
            return (met, -fa, thr)
        return (met, sens, thr) if selection == "plateau_highest" else (met, sens)
    met = sens >= target - _TOL
    if selection == "fewest_false_alarms":
        return (met, -fa, sens) if met else (met, sens, -fa)
    if not met:
        return (met, sens, thr)
    return (met, -fa, thr) if selection == "plateau_highest" else (met, -fa)


def _float(value, name: str, low: float = 0.0, high: float = math.inf) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise PostprocessError(f"{name}: expected a number, got {value!r}") from None
    if not math.isfinite(out) or not low <= out <= high:
        raise PostprocessError(f"{name}: expected a number in [{low}, {high}], got {value!r}")
    return out


def _check_grid(grid: Mapping[str, Sequence[float]], own: dict) -> dict[str, list[float]]:
    unknown = sorted(set(grid) - set(_SETTINGS))
    if unknown:
        raise PostprocessError(f"grid: unknown key(s) {unknown}; expected {sorted(_SETTINGS)}")
    out = {}
    for key in _SETTINGS:
        values = grid.get(key, (own[key],))
        if isinstance(values, (int, float)):
            values = (values,)
        values = list(values)
        if not values:
            raise PostprocessError(f"grid.{key}: expected at least one value (seconds)")
        out[key] = [_float(v, f"grid.{key}") for v in values]
    return out
