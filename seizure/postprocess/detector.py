"""The event detector: its threshold and settings, their fit, and its fitted file.

:class:`EventDetector` applies :func:`seizure.postprocess.events.probs_to_events` with its
settings; :meth:`EventDetector.fit` scores the candidates with :func:`seizure.operating_point.sweep`
and picks one under :mod:`seizure.postprocess.selection`. A fitted detector is one file per run,
:data:`OPERATING_POINT_FILE`.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from seizure.io.annotations import Event
from seizure.operating_point import CURVE_METRICS, FIXED_THRESHOLDS, candidate_thresholds, sweep
from seizure.postprocess.events import probs_to_events, smooth
from seizure.postprocess.selection import _SETTINGS, ROW_KEYS, SELECTIONS, PostprocessError, _check_grid, _float, _rank

__all__ = ["OPERATING_POINT_FILE", "LEGACY_POSTPROCESS_FILE", "read_json", "EventDetector"]

#: The fitted file of a run (and of ``seizure evaluate`` / ``seizure detect --fit-on``).
OPERATING_POINT_FILE = "operating_point.json"
#: The training fit of run folders written before :data:`OPERATING_POINT_FILE` held it.
LEGACY_POSTPROCESS_FILE = "postprocess.json"
_KIND, _VERSION = "seizure-operating-point", 2


def read_json(path: Path):
    """The JSON document of a fitted file (:class:`PostprocessError` if it is not JSON).

    Parameters
    ----------
    path : path-like
        A fitted file (:data:`OPERATING_POINT_FILE` or :data:`LEGACY_POSTPROCESS_FILE`).

    Returns
    -------
    object
        The decoded document (a dict for every file this module writes); its layout is checked
        by :meth:`EventDetector.from_dict`, not here.

    Raises
    ------
    PostprocessError
        If the text is not JSON (with the parser's message and line). A file that cannot be
        read raises the ``OSError`` of the operating system.
    """
    try:
        return json.loads(Path(path).read_text())
    except json.JSONDecodeError as exc:
        raise PostprocessError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None


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
            self._set_fitted(_float(self.threshold_, "threshold_", 0.0, 1.0), {k: getattr(self, k) for k in _SETTINGS})

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
        """``probs`` after the moving average of :meth:`to_dict` (what the threshold applies to).

        Parameters
        ----------
        probs : ndarray, shape (n_steps,)
            Probability per step.

        Returns
        -------
        ndarray of float64, shape (n_steps,)
            The probabilities smoothed with the fitted ``smooth_s_`` (the constructor's
            ``smooth_s`` before fitting).
        """
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
    ) -> EventDetector:
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
        pick = max(
            range(len(candidates)),
            key=lambda i: (
                _rank(candidates[i], kind, value, selection),
                -candidates[i]["smooth_s"],
                -candidates[i]["merge_gap_s"],
                -candidates[i]["min_duration_s"],
            ),
        )
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
    def from_dict(cls, doc: Mapping, source: str = "operating point") -> EventDetector:
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
            raise PostprocessError(
                f"{source}: unknown key(s) {unknown}; expected kind, version, params, postprocess, fit"
            )
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
    def _from_settings(cls, d: Mapping, source: str) -> EventDetector:
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
        """Write :meth:`to_document` (with ``provenance`` added to ``fit``, e.g. ``chosen_by``) to ``path``.

        Parameters
        ----------
        path : path-like
            Destination, usually ``<run folder>/``:data:`OPERATING_POINT_FILE`; replaced if present.
        **provenance
            JSON-serializable items merged into :attr:`fit_info_` (kept on the detector too),
            e.g. ``chosen_by="training"``, ``split="dev"``.

        Returns
        -------
        pathlib.Path
            The written file.

        Raises
        ------
        PostprocessError
            If the detector is not fitted.
        """
        if provenance:
            self.fit_info_ = {**self.fit_info_, **provenance}
        path = Path(path)
        path.write_text(json.dumps(self.to_document(), indent=1, default=float))
        return path

    @classmethod
    def load(cls, path: str | Path) -> EventDetector:
        """Read a fitted file written by :meth:`save` (or an earlier layout, see :meth:`from_dict`).

        Parameters
        ----------
        path : path-like
            The fitted file.

        Returns
        -------
        EventDetector
            The fitted detector, with :attr:`fit_info_` as stored (no :attr:`curve_`).

        Raises
        ------
        PostprocessError
            If the file is not JSON or not a fitted detector (the message names the file and key).
        """
        path = Path(path)
        return cls.from_dict(read_json(path), str(path))

    def summary(self) -> dict:
        """``fit_info_`` without the per-combination ``candidates`` (provenance for outputs)."""
        return {k: v for k, v in self.fit_info_.items() if k != "candidates"}
