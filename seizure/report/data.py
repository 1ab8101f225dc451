"""What a report is made from: scored recordings plus the context of the model that produced them.

Two sources are supported:

- a **training run folder** (``runs/<stamp>/``): the eval split's EDF paths from ``splits.json``
  (or the cached recordings handed over by training), hypotheses ``hyp/model/<bname>.csv_bi``,
  probabilities ``probs/model/<bname>.npy`` and the metrics document ``metrics.json``;
- a **detection folder** written by ``seizure detect`` (``detections.json``, ``hyp/``, ``probs/``),
  scored against the reference annotations found beside each EDF.

References are always read from the annotation files beside the EDF (``.csv_bi`` intervals,
``.csv`` seizure types); nothing is taken from an EDF header.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from seizure._validation import SeizureError
from seizure.detection.outputs import MANIFEST, read_probs
from seizure.detection.references import find_reference, patient_of
from seizure.io.annotations import Event, read_csv_bi
from seizure.scoring.events import PAIR_DURATION_TOLERANCE_S

__all__ = ["EvalRecording", "ReportInput", "input_from_run", "input_from_detections"]


@dataclass
class EvalRecording:
    """One scored recording.

    Parameters
    ----------
    bname : str
        Recording name (EDF stem).
    patient : str
        Patient identifier (from the recording name).
    duration : float
        Seconds (the reference file's).
    refs : list of Event
        Reference seizures, ``label`` = seizure type.
    hyps : list of Event
        Detections at the operating point.
    probs : ndarray or None, shape (n_steps,)
        Per-step probability (unsmoothed), for operating curves and timelines.
    """

    bname: str
    patient: str
    duration: float
    refs: list[Event]
    hyps: list[Event]
    probs: np.ndarray | None = None


@dataclass
class ReportInput:
    """Recordings and context of one report (see :func:`seizure.report.compute.build_document`).

    Parameters
    ----------
    records : list of EvalRecording
        The scored recordings.
    postprocess : dict
        Keyword arguments of the detector's ``EventDetector`` (smoothing, threshold, durations in
        seconds), used to sweep the operating curves.
    source : dict
        Where the input came from: ``kind`` (``"run"`` or ``"detections"``), ``path`` and tracking
        identifiers.
    exclusions : list of dict
        ``{"recording", "reason"}`` (and ``split``) per recording left out of the scores.
    model : dict, optional
        Network description of the run (name and arguments).
    config : dict, optional
        The run's configuration.
    config_hash : str, optional
        Hash of the configuration.
    operating_point : dict
        How the operating point was chosen (``chosen_by``, ``split``, ``metric``, fit results).
    splits : dict, optional
        Description of the training data splits.
    git_commit : str, optional
        Commit of the code that made the report (set by the report command).
    split_name : str
        Name of the scored set (``"eval"``, or the detection folder's name).
    """

    records: list[EvalRecording]
    postprocess: dict
    source: dict
    exclusions: list[dict] = field(default_factory=list)
    model: dict | None = None
    config: dict | None = None
    config_hash: str | None = None
    operating_point: dict = field(default_factory=dict)
    splits: dict | None = None
    git_commit: str | None = None
    split_name: str = "eval"


def _load_record(edf: str, hyp_path: Path, probs_path: Path | None, exclusions: list[dict]) -> EvalRecording | None:
    bname = Path(edf).stem
    try:
        ref = find_reference(edf)
    except SeizureError as exc:  # a damaged reference file: excluded, named
        exclusions.append({"recording": edf, "reason": f"reference annotation unreadable: {exc}"})
        return None
    if ref is None:
        exclusions.append({"recording": edf, "reason": "no reference annotation beside the EDF; not scored"})
        return None
    if not hyp_path.is_file():
        exclusions.append({"recording": edf, "reason": f"no hypothesis file {hyp_path.name}"})
        return None
    hyp = read_csv_bi(hyp_path)
    if abs(hyp.duration - ref.duration) > PAIR_DURATION_TOLERANCE_S:
        exclusions.append(
            {"recording": edf, "reason": f"hypothesis states {hyp.duration} s, reference {ref.duration} s"}
        )
        return None
    probs = read_probs(probs_path) if probs_path is not None and probs_path.is_file() else None
    hyps = [Event(e.start, e.stop, "seiz", "TERM", e.confidence) for e in hyp.seizures()]
    return EvalRecording(bname, patient_of(bname), float(ref.duration), ref.seizures, hyps, probs)


def input_from_run(
    run_dir: str | Path, doc: dict | None = None, eval_edfs: list[str] | None = None, detector: str = "model"
) -> ReportInput:
    """Report input of a training run folder.

    Parameters
    ----------
    run_dir : path
        The training run folder (``metrics.json``, ``splits.json``, ``hyp/``, ``probs/``).
    doc : dict, optional
        The metrics document (default: ``metrics.json`` of the folder).
    eval_edfs : list of str, optional
        EDF paths of the evaluated recordings (default: ``splits.json["eval"]``).
    detector : str
        Which detector's outputs (``model`` or ``baseline``).

    Returns
    -------
    ReportInput
        The scored recordings (those without a usable reference or hypothesis are exclusions).

    Raises
    ------
    FileNotFoundError
        Naming the folder when ``metrics.json`` or ``splits.json`` is needed and missing.
    """
    run_dir = Path(run_dir)
    if doc is None:
        path = run_dir / "metrics.json"
        if not path.is_file():
            raise FileNotFoundError(f"{run_dir}: no metrics.json (not a training run folder)")
        doc = json.loads(path.read_text())
    if eval_edfs is None:
        splits = run_dir / "splits.json"
        if not splits.is_file():
            raise FileNotFoundError(f"{run_dir}: no splits.json (the evaluated recordings)")
        eval_edfs = json.loads(splits.read_text())["eval"]
    res = doc["results"][detector]
    exclusions = [dict(e) for e in doc.get("exclusions", []) if e.get("split", "eval") == "eval"]
    others = [dict(e) for e in doc.get("exclusions", []) if e.get("split", "eval") != "eval"]
    records = []
    for edf in eval_edfs:
        bname = Path(edf).stem
        rec = _load_record(
            edf,
            run_dir / "hyp" / detector / f"{bname}.csv_bi",
            run_dir / "probs" / detector / f"{bname}.npy",
            exclusions,
        )
        if rec is not None:
            records.append(rec)
    config = None
    if (run_dir / "config.yaml").is_file():
        import yaml

        config = yaml.safe_load((run_dir / "config.yaml").read_text())
    dev_fit = res.get("dev_fit", {})
    return ReportInput(
        records=records,
        postprocess=res["detector"],
        source={
            "kind": "run",
            "path": str(run_dir),
            "run_id": doc.get("run_id"),
            "tracking_uri": doc.get("tracking_uri"),
            "detector": detector,
        },
        exclusions=exclusions + others,
        model=doc.get("model"),
        config=config,
        config_hash=doc.get("config_hash"),
        operating_point={"chosen_by": "training", "split": "dev", "metric": "ovlp", **dev_fit},
        splits=doc.get("data"),
    )


def input_from_detections(det_dir: str | Path) -> ReportInput:
    """Report input of a ``seizure detect`` output folder (recordings with a reference beside them).

    Parameters
    ----------
    det_dir : str | Path
        The detection folder (``detections.json``, ``hyp/``, ``probs/``).

    Returns
    -------
    ReportInput
        The recordings with a usable reference; the others, and failed detections, as exclusions.

    Raises
    ------
    FileNotFoundError
        When the folder holds no ``detections.json``.
    """
    det_dir = Path(det_dir)
    path = det_dir / MANIFEST
    if not path.is_file():
        raise FileNotFoundError(f"{det_dir}: no {MANIFEST} (not a `seizure detect` output folder)")
    man = json.loads(path.read_text())
    exclusions = [dict(e) for e in man.get("errors", [])]
    records = []
    for entry in man["recordings"]:
        rec = _load_record(entry["edf"], det_dir / entry["hyp"], det_dir / entry["probs"], exclusions)
        if rec is not None:
            records.append(rec)
    info = man.get("model", {})
    return ReportInput(
        records=records,
        postprocess=man["postprocess"],
        source={
            "kind": "detections",
            "path": str(det_dir),
            "run_id": info.get("run_id"),
            "tracking_uri": info.get("tracking_uri"),
            "model_uri": info.get("model_uri"),
            "model_source": info.get("source"),
        },
        exclusions=exclusions,
        model=info.get("model"),
        config=info.get("config"),
        config_hash=info.get("config_hash"),
        operating_point=info.get("operating_point", {}),
        splits=info.get("training_data"),
        split_name=man.get("name", "detections"),
    )
