"""A trained detector ready for new recordings: network, preprocessing, post-processing.

A detector is loaded from a training run folder (``config.yaml``, ``model_state.pt``,
``operating_point.json``, ``metrics.json``) or from MLflow (``models:/NAME/VERSION``,
``models:/NAME@ALIAS`` or ``runs:/RUN_ID/model``: the pickled network plus the same files logged as
artifacts of its run). The operating point is the fitted
:class:`~seizure.postprocess.EventDetector` of ``operating_point.json``, written by training and
replaced by ``seizure detect --fit-on``; :func:`load_operating_point` also reads the files of
earlier run folders (``postprocess.json``) and says so in the log.
"""

from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from torch import nn

from seizure._validation import SeizureError
from seizure.inference import INFERENCE_WINDOW_FACTOR
from seizure.postprocess import (
    LEGACY_POSTPROCESS_FILE,
    OPERATING_POINT_FILE,
    ROW_KEYS,
    EventDetector,
    PostprocessError,
    read_json,
)

__all__ = [
    "Detector",
    "DetectorError",
    "load_detector",
    "load_operating_point",
    "OPERATING_POINT_FILE",
    "INFERENCE_WINDOW_FACTOR",
]

logger = logging.getLogger("seizure")
_RUN_FILES = ("config.yaml", OPERATING_POINT_FILE, LEGACY_POSTPROCESS_FILE, "metrics.json", "splits.json", "model.json")


class DetectorError(SeizureError):
    """A ``--model`` that is neither a training run folder nor an MLflow model URI."""


@dataclass
class Detector:
    """Everything needed to turn an EDF into seizure events.

    Parameters
    ----------
    net : nn.Module
        (B, 22, T) -> (B, T // samples_per_step) logits.
    steps : list of dict
        Preprocessing steps after the TCP montage.
    step_s, window_s : float
        Output step and training window (seconds).
    postprocess : EventDetector
        Smoothing, threshold, minimum duration and merge gap (the operating point).
    info : dict
        Provenance: ``source``, ``run_id``, ``tracking_uri``, ``model_uri``, ``config_hash``,
        ``model`` (name, kwargs, n_parameters), ``operating_point`` (file and how it was chosen),
        ``config`` (the resolved training configuration), ``training_data`` (split summaries),
        ``splits_file`` (the run's ``splits.json`` if present).
    """

    net: nn.Module
    steps: list[dict]
    step_s: float
    window_s: float
    postprocess: EventDetector
    info: dict = field(default_factory=dict)

    @property
    def window_steps(self) -> int:
        """Inference window in steps."""
        return int(round(self.window_s / self.step_s)) * INFERENCE_WINDOW_FACTOR


def _legacy_training_fit(folder: Path) -> EventDetector:
    """The training fit of an earlier run folder: ``postprocess.json`` plus ``metrics.json``'s ``dev_fit``."""
    det = EventDetector.load(folder / LEGACY_POSTPROCESS_FILE)
    metrics = folder / "metrics.json"
    dev_fit = {}
    if metrics.is_file():
        dev_fit = (json.loads(metrics.read_text()).get("results", {}).get("model") or {}).get("dev_fit") or {}
    info: dict = {"chosen_by": "training", "split": "dev", "metric": "ovlp", "selection": "plateau_median"}
    if "target_fa_per_24h" in dev_fit:
        info["target"] = {"kind": "fa_per_24h", "value": dev_fit["target_fa_per_24h"]}
    if all(k in dev_fit for k in ROW_KEYS):
        info["chosen"] = {k: dev_fit[k] for k in ROW_KEYS}
        det.sensitivity_, det.fa_per_24h_ = dev_fit["sensitivity"], dev_fit["fa_per_24h"]
        if "target" in info and dev_fit["fa_per_24h"] is not None:
            det.target_met_ = info["target_met"] = dev_fit["fa_per_24h"] <= info["target"]["value"] + 1e-9
    det.fit_info_ = info
    return det


def load_operating_point(folder: str | Path) -> tuple[EventDetector, str]:
    """The fitted detector of a run (or evaluation) folder, and the name of the file read.

    Reads :data:`OPERATING_POINT_FILE`. A folder written before that file held the training fit
    has a :data:`LEGACY_POSTPROCESS_FILE` (the training fit), maybe beside an earlier-layout
    ``operating_point.json`` (a ``seizure detect --fit-on`` fit, which replaced it): the file read
    and the one left unread are logged at INFO.

    Parameters
    ----------
    folder : path-like
        A training run folder, an evaluation folder or the artifacts downloaded for a model URI.

    Returns
    -------
    detector : EventDetector
        The fitted detector, with its provenance in ``fit_info_``.
    name : str
        File name read: :data:`OPERATING_POINT_FILE` or :data:`LEGACY_POSTPROCESS_FILE`.

    Raises
    ------
    FileNotFoundError
        If the folder holds neither file.
    PostprocessError
        If the file is not a fitted detector.
    """
    folder = Path(folder)
    current, legacy = folder / OPERATING_POINT_FILE, folder / LEGACY_POSTPROCESS_FILE
    if current.is_file():
        doc = read_json(current)
        if isinstance(doc, dict) and "version" not in doc:
            logger.info("%s: read %s in the earlier layout (a `seizure detect --fit-on` fit)", folder, current.name)
        if legacy.is_file():
            logger.info(
                "%s: %s (the training fit of an earlier layout) is not read; %s replaces it",
                folder,
                legacy.name,
                current.name,
            )
        return EventDetector.from_dict(doc, str(current)), current.name
    if legacy.is_file():
        logger.info("%s: no %s; read the training fit from %s (earlier layout)", folder, current.name, legacy.name)
        return _legacy_training_fit(folder), legacy.name
    raise FileNotFoundError(f"{folder}: no {OPERATING_POINT_FILE} (the fitted post-processing and threshold)")


def _model_spec(folder: Path, cfg: dict) -> dict:
    """Network name and keyword arguments: ``model.json``, else ``metrics.json``, else the config
    (every ``model.*`` key but ``name`` and ``init``, plus the signal arguments)."""
    for name, key in (("model.json", None), ("metrics.json", "model")):
        path = folder / name
        if path.is_file():
            doc = json.loads(path.read_text())
            spec = doc.get(key) if key else doc
            if spec and "kwargs" in spec:
                return spec
    m = {k: v for k, v in cfg["model"].items() if k not in ("name", "init")}
    kwargs = {"n_channels": 22, "sfreq": float(cfg["data"]["sfreq"]), "step_s": float(cfg["data"]["step_s"]), **m}
    return {"name": cfg["model"]["name"], "kwargs": kwargs}


def _provenance(folder: Path) -> dict:
    metrics = folder / "metrics.json"
    doc = json.loads(metrics.read_text()) if metrics.is_file() else {}
    splits = folder / "splits.json"
    return {
        "run_id": doc.get("run_id"),
        "tracking_uri": doc.get("tracking_uri"),
        "config_hash": doc.get("config_hash"),
        "training_data": doc.get("data"),
        "splits_file": str(splits) if splits.is_file() else None,
    }


def _assemble(folder: Path, net: nn.Module | None, source: str) -> Detector:
    import torch

    from seizure._hashing import config_hash
    from seizure.models import build_model

    cfg_path = folder / "config.yaml"
    if not cfg_path.is_file():
        raise FileNotFoundError(f"{folder}: no config.yaml (the training configuration)")
    cfg = yaml.safe_load(cfg_path.read_text())
    spec = _model_spec(folder, cfg)
    if net is None:
        state = folder / "model_state.pt"
        if not state.is_file():
            raise FileNotFoundError(f"{folder}: no model_state.pt (the network weights)")
        net = build_model(spec["name"], **spec["kwargs"])
        net.load_state_dict(torch.load(state, map_location="cpu", weights_only=True))
    net.eval()
    postprocess, name = load_operating_point(folder)
    op = {"file": name, **postprocess.summary()}
    step_s = float(cfg["data"]["step_s"])
    if abs(postprocess.step_s - step_s) > 1e-9:
        raise PostprocessError(
            f"{folder}: operating point step_s = {postprocess.step_s} s differs from the model's "
            f"data.step_s = {step_s} s"
        )
    n_params = sum(p.numel() for p in net.parameters())
    info = {
        "source": source,
        **_provenance(folder),
        "model": {"name": spec["name"], "kwargs": spec["kwargs"], "n_parameters": int(n_params)},
        "operating_point": op,
        "config": cfg,
    }
    info["config_hash"] = info["config_hash"] or config_hash(cfg)
    return Detector(net, list(cfg["data"]["preprocessing"]), step_s, float(cfg["data"]["window_s"]), postprocess, info)


def load_detector(spec: str | Path, tracking_uri: str = "", work_dir: str | Path | None = None) -> Detector:
    """Load a trained detector.

    Parameters
    ----------
    spec : str or path
        A training run folder, or ``models:/NAME/VERSION``, ``models:/NAME@ALIAS`` or
        ``runs:/RUN_ID/model``.
    tracking_uri : str
        MLflow tracking URI for model URIs (default: ``$MLFLOW_TRACKING_URI`` or ``./mlflow.db``).
    work_dir : path, optional
        Where the run's artifacts are downloaded for a model URI (default: a temporary folder).

    Raises
    ------
    FileNotFoundError
        If the folder lacks a file, naming it.
    DetectorError
        If ``spec`` is neither a folder nor a model URI.
    """
    text = str(spec)
    if text.startswith(("models:/", "runs:/")):
        from seizure.tracking import download_run_artifacts, load_model

        net, run_id, resolved_uri = load_model(text, tracking_uri)
        dst = Path(work_dir) if work_dir else Path(tempfile.mkdtemp(prefix="seizure-model-"))
        dst.mkdir(parents=True, exist_ok=True)
        download_run_artifacts(run_id, list(_RUN_FILES), dst, tracking_uri)
        det = _assemble(dst, net, text)
        det.info.update({"run_id": run_id, "tracking_uri": resolved_uri, "model_uri": text})
        return det
    folder = Path(text)
    if folder.is_dir():
        return _assemble(folder, None, str(folder))
    raise DetectorError(
        f"--model {text!r}: expected a training run folder (config.yaml, model_state.pt, operating_point.json) "
        "or an MLflow model URI models:/NAME/VERSION, models:/NAME@ALIAS or runs:/RUN_ID/model"
    )
