"""Per-step probabilities -> seizure events, and the one fitter of the operating point.

:class:`EventDetector` turns probabilities into events (smoothing, threshold, merge gap, minimum
duration); :meth:`EventDetector.fit` chooses them on labelled recordings (the dev split) in the
scikit-learn manner, setting the attributes ending in ``_``. It sweeps the threshold
(:func:`seizure.operating_point.sweep`: NEDC OVLP / TAES or SzCORE scoring) for every combination
of a grid of settings; the default one-point grid is the cheap threshold-only fit. A fitted
detector is one file per run, :data:`OPERATING_POINT_FILE` (:meth:`EventDetector.save`; run
folders are read by :func:`seizure.detection.model.load_operating_point`).
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
from scipy.ndimage import uniform_filter1d

from seizure._validation import SeizureError
from seizure.io.annotations import Event
from seizure.operating_point import CURVE_METRICS, FIXED_THRESHOLDS, candidate_thresholds, sweep

__all__ = [
    "PostprocessError",
    "smooth",
    "mask_to_intervals",
    "probs_to_events",
    "EventDetector",
    "SELECTIONS",
    "DEFAULT_GRID",
    "OPERATING_POINT_FILE",
    "LEGACY_POSTPROCESS_FILE",
    "ROW_KEYS",
    "read_json",
]

#: The fitted file of a run (and of ``seizure evaluate`` / ``seizure detect --fit-on``).
OPERATING_POINT_FILE = "operating_point.json"
#: The training fit of run folders written before :data:`OPERATING_POINT_FILE` held it.
LEGACY_POSTPROCESS_FILE = "postprocess.json"
_KIND, _VERSION = "seizure-operating-point", 2
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


def read_json(path: Path):
    """The JSON document of a fitted file (:class:`PostprocessError` if it is not JSON)."""
    try:
        return json.loads(Path(path).read_text())
    except json.JSONDecodeError as exc:
        raise PostprocessError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None


def smooth(probs: np.ndarray, step_s: float, smooth_s: float) -> np.ndarray:
    """Centred moving average over ``smooth_s`` seconds (no-op below two steps)."""
    size = int(round(smooth_s / step_s))
    if size < 2 or probs.size == 0:
        return np.asarray(probs, dtype=float)
    return uniform_filter1d(np.asarray(probs, dtype=float), size=size, mode="nearest")


def mask_to_intervals(mask: np.ndarray) -> list[tuple[int, int]]:
    """Runs of True as half-open (first, last + 1) step index pairs."""
    m = np.concatenate([[False], np.asarray(mask, dtype=bool), [False]])
    d = np.diff(m.astype(np.int8))
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist()))


def probs_to_events(
    probs: np.ndarray,
    step_s: float,
    threshold: float,
    smooth_s: float = 0.0,
    min_duration_s: float = 0.0,
    merge_gap_s: float = 0.0,
    duration: float | None = None,
) -> list[Event]:
    """Detected seizure events of one recording.

    Steps whose smoothed probability is at or above ``threshold`` form runs; runs closer than
    ``merge_gap_s`` are merged; events shorter than ``min_duration_s`` are dropped. Each event's
    confidence is the highest smoothed probability inside it.

    Parameters
    ----------
    probs : ndarray, shape (n_steps,)
        Probability per step, step ``i`` covering ``[i * step_s, (i + 1) * step_s)`` seconds.
    duration : float, optional
        Clip event ends to the recording duration (seconds).
    """
    p = smooth(probs, step_s, smooth_s)
    runs = mask_to_intervals(p >= threshold)
    merged: list[list[int]] = []
    gap = merge_gap_s / step_s
    for a, b in runs:
        if merged and a - merged[-1][1] <= gap:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    events = []
    for a, b in merged:
        start, stop = a * step_s, b * step_s
        if duration is not None:
            stop = min(stop, duration)
        if stop - start >= min_duration_s and stop > start:
            events.append(Event(start, stop, "seiz", "TERM", float(np.clip(p[a:b].max(), 0.0, 1.0))))
    return events


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


@dataclass
class EventDetector:
    """Per-step probabilities -> events, with a threshold (and settings) fitted on labelled recordings.

    Parameters
    ----------
    step_s : float
        Seconds per probability step.
    smooth_s, min_duration_s, merge_gap_s : float
        Centred moving average, shortest event kept and largest gap merged (seconds); ``fit``
        keeps them unless given a grid.
    threshold_ : float, optional
        A given threshold makes the detector fitted at the settings above (no figures).

    Attributes
    ----------
    threshold_ : float
        Probability threshold (after smoothing).
    smooth_s_, min_duration_s_, merge_gap_s_ : float
        Settings applied by :meth:`predict` (seconds).
    sensitivity_, fa_per_24h_ : float or None
        Figures of the fitted point on the fitting recordings (fraction; false alarms per 24 h).
    target_met_ : bool or None
        Whether the fitted point meets the target.
    fit_info_ : dict
        How it was fitted: ``target`` (``kind``, ``value``), ``metric``, ``selection``,
        ``target_met``, ``chosen`` (threshold, sensitivity, fa_per_24h, hits, targets,
        false_alarms), ``settings``, ``grid``, ``candidates`` (best row per grid combination),
        ``n_recordings``, ``hours``, and any provenance the caller adds (``chosen_by``, ``split``).
    curve_ : list of dict
        The fitting curve at the chosen settings (not stored by :meth:`to_document`).
    """

    step_s: float = 1.0
    smooth_s: float = 5.0
    min_duration_s: float = 5.0
    merge_gap_s: float = 10.0
    threshold_: float | None = None
    smooth_s_: float | None = field(default=None, init=False)
    min_duration_s_: float | None = field(default=None, init=False)
    merge_gap_s_: float | None = field(default=None, init=False)
    sensitivity_: float | None = field(default=None, init=False)
    fa_per_24h_: float | None = field(default=None, init=False)
    target_met_: bool | None = field(default=None, init=False)
    fit_info_: dict = field(default_factory=dict, init=False)
    curve_: list = field(default_factory=list, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not _float(self.step_s, "step_s") > 0:
            raise PostprocessError(f"step_s: expected seconds > 0, got {self.step_s!r}")
        for key in _SETTINGS:
            _float(getattr(self, key), key)
        if self.threshold_ is not None:
            self._set_fitted(_float(self.threshold_, "threshold_", 0.0, 1.0),
                             {k: getattr(self, k) for k in _SETTINGS})

    def _set_fitted(self, threshold: float, settings: dict) -> None:
        self.threshold_ = float(threshold)
        self.smooth_s_, self.min_duration_s_, self.merge_gap_s_ = (float(settings[k]) for k in _SETTINGS)

    @property
    def fitted(self) -> bool:
        """True once a threshold is set (by :meth:`fit`, the constructor or :meth:`from_dict`)."""
        return self.threshold_ is not None

    def to_dict(self) -> dict:
        """The settings :meth:`predict` applies: ``step_s``, ``smooth_s``, ``min_duration_s``,
        ``merge_gap_s`` (the fitted ones once fitted, else the constructor's) and ``threshold_``.

        The whole fitted detector (with how it was fitted) is :meth:`to_document` / :meth:`save`.
        """
        if self.fitted:
            vals = (self.smooth_s_, self.min_duration_s_, self.merge_gap_s_)
        else:
            vals = tuple(float(getattr(self, k)) for k in _SETTINGS)
        return {"step_s": float(self.step_s), **dict(zip(_SETTINGS, vals)), "threshold_": self.threshold_}

    def smoothed(self, probs: np.ndarray) -> np.ndarray:
        """``probs`` after the moving average of :meth:`settings` (what the threshold applies to)."""
        s = self.to_dict()
        return smooth(probs, s["step_s"], s["smooth_s"])

    def predict(self, probs: np.ndarray, duration: float | None = None, threshold: float | None = None) -> list[Event]:
        """Events of one recording (see :func:`probs_to_events`).

        Parameters
        ----------
        probs : ndarray, shape (n_steps,)
            Probability per step.
        duration : float, optional
            Recording duration, seconds (clips the last event).
        threshold : float, optional
            Instead of ``threshold_`` (curves score many thresholds with one detector).

        Raises
        ------
        PostprocessError
            Without a threshold (neither fitted nor given).
        """
        s = self.to_dict()
        thr = s["threshold_"] if threshold is None else threshold
        if thr is None:
            raise PostprocessError("threshold_: EventDetector is not fitted; call fit() or pass threshold=")
        return probs_to_events(probs, s["step_s"], thr, s["smooth_s"], s["min_duration_s"], s["merge_gap_s"], duration)

    detect = predict

    def fit(
        self,
        probs: Sequence[np.ndarray],
        refs: Sequence[Sequence[Event]],
        durations: Sequence[float],
        target_fa_per_24h: float | None = None,
        target_sensitivity: float | None = None,
        metric: str = "ovlp",
        grid: Mapping[str, Sequence[float]] | None = None,
        selection: str = "plateau_median",
        n_thresholds: int = 60,
        fixed_thresholds: Sequence[float] = FIXED_THRESHOLDS,
    ) -> "EventDetector":
        """Choose the settings and threshold on labelled recordings; returns ``self``.

        Parameters
        ----------
        probs : sequence of ndarray, each shape (n_steps,)
            Per-step probabilities of each recording.
        refs : sequence of list of Event
            Reference seizures of each recording.
        durations : sequence of float
            Recording durations, seconds (every recording counts towards FA/24h).
        target_fa_per_24h : float, optional
            False alarms per 24 h, >= 0.
        target_sensitivity : float, optional
            A fraction in [0, 1]. Give exactly one of the two targets.
        metric : str
            Scorer of the candidates, from :data:`seizure.operating_point.CURVE_METRICS`.
        grid : mapping, optional
            Candidates for ``smooth_s``, ``min_duration_s`` and ``merge_gap_s`` (seconds); a
            missing key keeps the detector's own value (default: a one-point grid, the cheap
            threshold-only fit).
        selection : str
            One of :data:`SELECTIONS`.
        n_thresholds : int
            Quantiles of the smoothed scores used as thresholds, besides ``fixed_thresholds``
            (see :func:`seizure.operating_point.candidate_thresholds`).
        fixed_thresholds : sequence of float
            Thresholds always tried.

        Raises
        ------
        PostprocessError
            For a bad target, metric, selection, grid or an empty set of recordings.
        """
        kind, value = self._check_fit(target_fa_per_24h, target_sensitivity, metric, selection, n_thresholds)
        if not len(probs):
            raise PostprocessError("probs: no recordings to fit the operating point on")
        own = {k: float(getattr(self, k)) for k in _SETTINGS}
        g = _check_grid(grid or {}, own)
        candidates, curves = [], []
        for combo in itertools.product(*(g[k] for k in _SETTINGS)):
            det = EventDetector(self.step_s, *combo)
            thr = candidate_thresholds(probs, det, n_thresholds, fixed_thresholds)
            curve = sweep(probs, refs, durations, det, thr, metric)
            ranks = [_rank(r, kind, value, selection) for r in curve]
            best = max(ranks)
            plateau = sorted((r for r, k in zip(curve, ranks) if k == best), key=lambda r: r["threshold"])
            candidates.append({**dict(zip(_SETTINGS, combo)), "met": bool(best[0]), **plateau[len(plateau) // 2]})
            curves.append(curve)
        # best trade-off; ties: the least post-processing (smaller smoothing, gap, minimum duration)
        pick = max(range(len(candidates)), key=lambda i: (_rank(candidates[i], kind, value, selection),
                                                         -candidates[i]["smooth_s"], -candidates[i]["merge_gap_s"],
                                                         -candidates[i]["min_duration_s"]))
        chosen = candidates[pick]
        self._set_fitted(chosen["threshold"], chosen)
        self.sensitivity_, self.fa_per_24h_ = chosen["sensitivity"], chosen["fa_per_24h"]
        self.target_met_ = chosen["met"]
        self.curve_ = curves[pick]
        self.fit_info_ = {
            "target": {"kind": kind, "value": value},
            "metric": metric,
            "selection": selection,
            "target_met": chosen["met"],
            "chosen": {k: chosen[k] for k in ROW_KEYS},
            "settings": {k: chosen[k] for k in _SETTINGS},
            "grid": g,
            "candidates": candidates,
            "n_recordings": len(probs),
            "hours": float(sum(durations)) / 3600.0,
        }
        return self

    @staticmethod
    def _check_fit(target_fa, target_sens, metric, selection, n_thresholds) -> tuple[str, float]:
        if (target_fa is None) == (target_sens is None):
            raise PostprocessError(
                f"target_fa_per_24h={target_fa!r}, target_sensitivity={target_sens!r}: give exactly one of the two"
            )
        if metric not in CURVE_METRICS:
            raise PostprocessError(f"metric: expected one of {list(CURVE_METRICS)}, got {metric!r}")
        if selection not in SELECTIONS:
            raise PostprocessError(f"selection: expected one of {list(SELECTIONS)}, got {selection!r}")
        if not isinstance(n_thresholds, (int, np.integer)) or n_thresholds < 1:
            raise PostprocessError(f"n_thresholds: expected an integer >= 1, got {n_thresholds!r}")
        if target_fa is not None:
            return "fa_per_24h", _float(target_fa, "target_fa_per_24h (false alarms per 24 h, >= 0)")
        if not isinstance(target_sens, (int, float)) or not 0.0 <= target_sens <= 1.0:
            raise PostprocessError(f"target_sensitivity: expected a fraction in [0, 1], got {target_sens!r}")
        return "sensitivity", float(target_sens)

    def to_document(self) -> dict:
        """The fitted detector as one JSON-ready document (the :data:`OPERATING_POINT_FILE` form).

        Returns
        -------
        dict
            ``kind``, ``version``, ``params`` (constructor settings), ``postprocess`` (what
            :meth:`predict` applies: :meth:`to_dict`) and ``fit`` (:attr:`fit_info_`).

        Raises
        ------
        PostprocessError
            If the detector is not fitted.
        """
        if not self.fitted:
            raise PostprocessError("threshold_: EventDetector is not fitted; nothing to store")
        return {
            "kind": _KIND,
            "version": _VERSION,
            "params": {"step_s": float(self.step_s), **{k: float(getattr(self, k)) for k in _SETTINGS}},
            "postprocess": self.to_dict(),
            "fit": dict(self.fit_info_),
        }

    @classmethod
    def from_dict(cls, doc: Mapping, source: str = "operating point") -> "EventDetector":
        """Inverse of :meth:`to_document` (and of :meth:`to_dict` for a fitted detector).

        Accepted: the current document; an earlier ``operating_point.json`` (``postprocess`` and
        ``fit`` only, written by ``seizure detect --fit-on``); a bare settings mapping (an earlier
        ``postprocess.json``: ``step_s``, ``smooth_s``, ``min_duration_s``, ``merge_gap_s``,
        ``threshold_``).

        Parameters
        ----------
        doc : mapping
            The document.
        source : str
            Named in error messages (e.g. the file).

        Raises
        ------
        PostprocessError
            For an unknown key, a missing ``threshold_`` or a bad value (naming it).
        """
        if not isinstance(doc, Mapping):
            raise PostprocessError(f"{source}: expected a JSON object, got {type(doc).__name__}")
        if "postprocess" not in doc:
            return cls._from_settings(doc, source)
        unknown = sorted(set(doc) - {"kind", "version", "params", "postprocess", "fit", "errors"})
        if unknown:
            raise PostprocessError(f"{source}: unknown key(s) {unknown}; expected kind, version, params, "
                                   "postprocess, fit")
        if doc.get("kind", _KIND) != _KIND:
            raise PostprocessError(f"{source}: kind {doc['kind']!r}; expected {_KIND!r}")
        fitted = cls._from_settings(doc["postprocess"], f"{source}: postprocess")
        params = doc.get("params")
        if params is not None:
            bad = sorted(set(params) - {"step_s", *_SETTINGS})
            if bad:
                raise PostprocessError(f"{source}: params: unknown key(s) {bad}; expected {['step_s', *_SETTINGS]}")
            det = cls(**{**{k: getattr(fitted, k) for k in ("step_s", *_SETTINGS)}, **params})
            det._set_fitted(fitted.threshold_, fitted.to_dict())
        else:
            det = fitted
        fit = dict(doc.get("fit") or {})
        if fit and "selection" not in fit:
            fit["selection"] = "fewest_false_alarms"  # the only fit that wrote the earlier layout
        det.fit_info_ = fit
        chosen = fit.get("chosen") or {}
        det.sensitivity_, det.fa_per_24h_ = chosen.get("sensitivity"), chosen.get("fa_per_24h")
        det.target_met_ = fit.get("target_met")
        return det

    @classmethod
    def _from_settings(cls, d: Mapping, source: str) -> "EventDetector":
        allowed = ("step_s", *_SETTINGS, "threshold_")
        if not isinstance(d, Mapping):
            raise PostprocessError(f"{source}: expected a JSON object of {list(allowed)}")
        unknown = sorted(set(d) - set(allowed))
        if unknown:
            raise PostprocessError(f"{source}: unknown key(s) {unknown}; expected {sorted(allowed)}")
        if d.get("threshold_") is None:
            raise PostprocessError(f"{source}: no fitted 'threshold_' (a number in [0, 1])")
        return cls(**d)

    def save(self, path: str | Path, **provenance) -> Path:
        """Write :meth:`to_document` (with ``provenance`` added to ``fit``, e.g. ``chosen_by``) to ``path``."""
        if provenance:
            self.fit_info_ = {**self.fit_info_, **provenance}
        path = Path(path)
        path.write_text(json.dumps(self.to_document(), indent=1, default=float))
        return path

    @classmethod
    def load(cls, path: str | Path) -> "EventDetector":
        """Read a fitted file written by :meth:`save` (or an earlier layout, see :meth:`from_dict`)."""
        path = Path(path)
        return cls.from_dict(read_json(path), str(path))

    def summary(self) -> dict:
        """``fit_info_`` without the per-combination ``candidates`` (provenance for outputs)."""
        return {k: v for k, v in self.fit_info_.items() if k != "candidates"}
