"""Stage: run a trained detector on EDF recordings; fit its operating point on labelled recordings."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from seizure._validation import SeizureError
from seizure.detection import (
    OPERATING_POINT_FILE,
    Detector,
    detect_recording,
    find_edfs,
    find_reference,
    load_detector,
    stream_probabilities,
    write_manifest,
)
from seizure.io.annotations import AnnotationError
from seizure.io.corpus import SPLITS
from seizure.io.edf import read_header
from seizure.postprocess import DEFAULT_GRID, EventDetector, PostprocessError
from seizure.storage import new_run_folder

__all__ = ["detect", "fit_operating_point", "resolve_inputs", "default_out_dir"]

logger = logging.getLogger("seizure")
#: Errors that exclude one recording while the batch goes on: bad input (a fault of the machine, such as a
#: full disk, or a bug propagates and stops the command).
RECORDING_ERRORS = (SeizureError,)


def default_out_dir() -> Path:
    """A new folder ``detections/<UTC time>-<random suffix>`` (created)."""
    return new_run_folder("detections")


def resolve_inputs(inputs: list[str], detector: Detector) -> list[str]:
    """Replace split names (``train``/``dev``/``eval``, when no such path exists) by the EDF paths
    the model's training run used for that split (its ``splits.json``)."""
    out: list[str] = []
    for item in inputs:
        if item in SPLITS and not Path(item).exists():
            splits = detector.info.get("splits_file")
            if not splits:
                raise FileNotFoundError(f"split {item!r}: the model's run has no splits.json; give EDF paths instead")
            out.extend(json.loads(Path(splits).read_text())[item])
        else:
            out.append(item)
    return out


def _total_seconds(edfs: list[Path]) -> float:
    total = 0.0
    for p in edfs:
        try:
            total += read_header(p).duration
        except RECORDING_ERRORS:
            pass  # reported when the recording itself is processed
    return total


def _apply_operating_point(detector: Detector, path: str | Path) -> None:
    fitted = EventDetector.load(path)
    if abs(fitted.step_s - detector.step_s) > 1e-9:
        raise PostprocessError(
            f"{path}: step_s = {fitted.step_s} s differs from the model's data.step_s = {detector.step_s} s"
        )
    detector.postprocess = fitted
    detector.info["operating_point"] = {"file": str(path), **fitted.summary()}


def detect(
    inputs: list[str],
    model: str,
    out_dir: str | Path | None = None,
    tracking_uri: str = "",
    operating_point: str | Path | None = None,
    chunk_s: float = 300.0,
    timelines: bool = True,
    progress: Callable[[float, float], None] | None = None,
    say: Callable[[str], None] = print,
) -> dict:
    """Detect seizures in EDF recordings (files, folders, or split names of the model's run).

    Parameters
    ----------
    inputs : list of str
        EDF files, folders (searched recursively) or ``train``/``dev``/``eval``.
    model : str
        Training run folder or ``models:/NAME/VERSION`` / ``models:/NAME@ALIAS`` / ``runs:/ID/model``.
    out_dir : path, optional
        Detection folder (default ``detections/<UTC time>``).
    operating_point : path, optional
        A fitted file replacing the model's (``operating_point.json``, or the bare settings of an
        earlier ``postprocess.json``).
    chunk_s : float
        Seconds of signal processed at once (memory bound).
    progress : callable, optional
        ``(seconds of EEG done, seconds total)``.

    Returns
    -------
    dict
        The manifest written to ``<out_dir>/detections.json``: ``model``, ``postprocess``,
        ``recordings`` (one entry per processed EDF) and ``errors`` (``recording``, ``reason``).
    """
    out = Path(out_dir) if out_dir else default_out_dir()
    out.mkdir(parents=True, exist_ok=True)
    detector = load_detector(model, tracking_uri, work_dir=out / "model")
    if operating_point:
        _apply_operating_point(detector, operating_point)
    edfs, errors = find_edfs(resolve_inputs(list(inputs), detector))
    if not edfs and not errors:
        raise FileNotFoundError("no EDF recording given")
    total = _total_seconds(edfs)
    done = 0.0
    entries = []
    t0 = time.perf_counter()
    for edf in edfs:
        base = done

        def step(sec: float, _total: float, base=base) -> None:
            if progress:
                progress(min(base + sec, total), total)

        try:
            entry = detect_recording(edf, detector, out, chunk_s=chunk_s, timeline=timelines, progress=step)
            entries.append(entry)
            done = base + entry["duration_s"]
        except RECORDING_ERRORS as exc:
            errors.append({"recording": str(edf), "reason": f"{type(exc).__name__}: {exc}"})
            logger.warning("could not process %s: %s", edf, exc)
    info = {k: v for k, v in detector.info.items()}
    manifest = {
        "kind": "seizure-detect",
        "version": 1,
        "name": out.name,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "model": info,
        "postprocess": detector.postprocess.to_dict(),
        "preprocessing": detector.steps,
        "inference_window_s": detector.window_steps * detector.step_s,
        "chunk_s": chunk_s,
        "recordings": entries,
        "errors": errors,
        "seconds": time.perf_counter() - t0,
    }
    write_manifest(out, manifest)
    manifest["out_dir"] = str(out)
    return manifest


def fit_operating_point(
    model: str,
    inputs: list[str],
    target_fa_per_24h: float | None = None,
    target_sensitivity: float | None = None,
    metric: str = "ovlp",
    grid: dict | None = None,
    out: str | Path | None = None,
    tracking_uri: str = "",
    log_to_mlflow: bool = True,
    chunk_s: float = 300.0,
    progress: Callable[[float, float], None] | None = None,
) -> dict:
    """Fit smoothing, minimum duration, merge gap and threshold on labelled recordings; store the result.

    Parameters
    ----------
    model : str
        As for :func:`detect`.
    inputs : list of str
        Labelled recordings (EDF with a ``.csv_bi``/``.csv`` beside it), folders, or a split name of
        the model's run (normally ``dev``).
    target_fa_per_24h, target_sensitivity : float
        Exactly one.
    out : path, optional
        Where to write ``operating_point.json``; default: in the model's run folder when the model
        is a folder (stored with the model), else the current directory.
    grid : dict, optional
        Candidates per setting (seconds); a missing key takes :data:`seizure.postprocess.DEFAULT_GRID`'s.
    log_to_mlflow : bool
        Log the file to the model's MLflow run (root artifact folder), where
        :func:`seizure.detection.load_detector` finds it for ``models:/`` URIs.

    Returns
    -------
    dict
        ``{"postprocess": {...}, "fit": {...}, "errors": [...], "path": str}``.
    """
    detector = load_detector(model, tracking_uri)
    edfs, errors = find_edfs(resolve_inputs(list(inputs), detector))
    probs, refs, durations, names = [], [], [], []
    total = _total_seconds(edfs)
    done = 0.0
    for edf in edfs:
        try:
            ref = find_reference(edf)
            if ref is None:
                raise AnnotationError(f"{edf}: no reference annotation beside the EDF (the fit needs one)")
            base = done
            p, info = stream_probabilities(
                edf,
                detector.net,
                detector.steps,
                detector.step_s,
                detector.window_steps,
                duration=ref.duration,
                chunk_s=chunk_s,
                progress=(lambda s, t, b=base: progress(min(b + s, total), total)) if progress else None,
            )
            done = base + info["duration_s"]
        except RECORDING_ERRORS as exc:
            errors.append({"recording": str(edf), "reason": f"{type(exc).__name__}: {exc}"})
            logger.warning("could not use %s: %s", edf, exc)
            continue
        probs.append(p)
        refs.append(ref.seizures)
        durations.append(ref.duration)
        names.append(edf.stem)
    fitted = EventDetector(detector.step_s).fit(
        probs,
        refs,
        durations,
        target_fa_per_24h,
        target_sensitivity,
        metric,
        {**DEFAULT_GRID, **(grid or {})},
        selection="fewest_false_alarms",
    )
    if out is None:
        src = Path(str(model))
        out = src / OPERATING_POINT_FILE if src.is_dir() else Path(OPERATING_POINT_FILE)
    out = fitted.save(
        out,
        chosen_by="seizure detect --fit",
        recordings=names,
        errors=errors,
        split=inputs[0] if len(inputs) == 1 and inputs[0] in SPLITS else "given recordings",
    )
    doc = {"postprocess": fitted.to_dict(), "fit": fitted.fit_info_, "errors": errors, "path": str(out)}
    run_id = detector.info.get("run_id")
    doc["logged_to"] = None
    if log_to_mlflow and run_id and out.name == OPERATING_POINT_FILE:
        from seizure.tracking import log_report

        try:
            log_report(run_id, [out], detector.info.get("tracking_uri") or tracking_uri, artifact_path=None)
            doc["logged_to"] = run_id
        except Exception as exc:  # noqa: BLE001 - the file is written; say why it is not in MLflow
            logger.warning("operating point not logged to MLflow run %s: %s", run_id, exc)
            doc["log_error"] = f"{type(exc).__name__}: {exc}"
    return doc
