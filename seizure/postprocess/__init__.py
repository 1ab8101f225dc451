"""Per-step probabilities -> seizure events, and the one fitter of the operating point.

:class:`EventDetector` turns probabilities into events (smoothing, threshold, merge gap, minimum
duration); :meth:`EventDetector.fit` chooses them on labelled recordings (the dev split) in the
scikit-learn manner, setting the attributes ending in ``_``. It sweeps the threshold
(:func:`seizure.operating_point.sweep`: NEDC OVLP / TAES or SzCORE scoring) for every combination
of a grid of settings; the default one-point grid is the cheap threshold-only fit. A fitted
detector is one file per run, :data:`OPERATING_POINT_FILE` (:meth:`EventDetector.save`; run
folders are read by :func:`seizure.detection.model.load_operating_point`).

The package's modules, in dependency order (everything is importable from ``seizure.postprocess``):

- :mod:`seizure.postprocess.events`: the stateless steps, probabilities -> events of one recording;
- :mod:`seizure.postprocess.selection`: the settings and their checks, the search grid, and how
  the operating point is chosen among the scored candidates;
- :mod:`seizure.postprocess.detector`: :class:`EventDetector` and its fitted file.
"""

from __future__ import annotations

from seizure.postprocess.detector import LEGACY_POSTPROCESS_FILE, OPERATING_POINT_FILE, EventDetector, read_json
from seizure.postprocess.events import mask_to_intervals, probs_to_events, smooth
from seizure.postprocess.selection import DEFAULT_GRID, ROW_KEYS, SELECTIONS, PostprocessError

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
