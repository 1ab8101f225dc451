"""Stage: the clinical evaluation report of a training run, an MLflow run id, or a detection folder."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

from seizure.detection import MANIFEST
from seizure.report import ReportInput, build_report, input_from_detections, input_from_run

__all__ = ["report", "resolve_target"]

logger = logging.getLogger("seizure")


def _run_tags(run_id: str, uri: str) -> dict:
    """Tags of an MLflow run, or {} when the tracking server cannot be reached."""
    from seizure.tracking import run_info

    try:
        return run_info(run_id, uri).get("tags", {})
    except Exception as exc:  # noqa: BLE001 - unreachable store or unknown run: the report says "n/a"
        logger.warning("MLflow run %s not readable at %s: %s", run_id, uri or "(default)", exc)
        return {}


def _local_run_dir(run_id: str, runs_dir: Path, uri: str) -> Path | None:
    tag = _run_tags(run_id, uri).get("run_dir")
    if tag and (Path(tag) / "metrics.json").is_file():
        return Path(tag)
    for metrics in sorted(runs_dir.glob("*/metrics.json")):
        try:
            if json.loads(metrics.read_text()).get("run_id") == run_id:
                return metrics.parent
        except (OSError, ValueError):
            continue
    return None


def _from_mlflow(run_id: str, work: Path, uri: str, say) -> ReportInput:
    """Re-run the logged model on the eval split listed in the run's artifacts."""
    from seizure.tracking import download_run_artifacts
    from seizure_app.detect import detect

    art = work / "artifacts"
    art.mkdir(parents=True, exist_ok=True)
    got = {p.name for p in download_run_artifacts(run_id, ["metrics.json", "splits.json", "exclusions.json"], art, uri)}
    if "splits.json" not in got:
        raise FileNotFoundError(f"MLflow run {run_id}: no splits.json artifact (the evaluated recordings)")
    metrics = json.loads((art / "metrics.json").read_text()) if "metrics.json" in got else {}
    say(f"run folder of {run_id} not found locally: running its model on the eval split again")
    detect(["eval"], f"runs:/{run_id}/model", work / "detections", tracking_uri=uri)
    inp = input_from_detections(work / "detections")
    inp.splits = metrics.get("data") or inp.splits
    inp.exclusions = [e for e in metrics.get("exclusions", []) if e.get("split", "eval") == "eval"] + inp.exclusions
    inp.split_name = "eval"
    return inp


def resolve_target(
    target: str,
    runs_dir: str | Path = "runs",
    tracking_uri: str = "",
    work_dir: str | Path | None = None,
    say: Callable[[str], None] = print,
) -> tuple[ReportInput, Path]:
    """Report input and default output folder for a run folder, detection folder or MLflow run id.

    Raises
    ------
    FileNotFoundError
        For a folder that is neither, or a run id with no local folder and no artifacts.
    """
    p = Path(target)
    if p.is_dir():
        if (p / "metrics.json").is_file():
            return input_from_run(p), p
        if (p / MANIFEST).is_file():
            return input_from_detections(p), p
        raise FileNotFoundError(
            f"{p}: neither a training run folder (metrics.json) nor a detection folder ({MANIFEST})"
        )
    if p.exists() or "/" in target:
        raise FileNotFoundError(
            f"{target}: not a folder (expected a run folder, a detection folder or an MLflow run id)"
        )
    local = _local_run_dir(target, Path(runs_dir), tracking_uri)
    if local is not None:
        return input_from_run(local), local
    work = Path(work_dir) if work_dir else Path("reports") / target
    return _from_mlflow(target, work, tracking_uri, say), work


def report(
    target: str,
    out_dir: str | Path | None = None,
    runs_dir: str | Path = "runs",
    tracking_uri: str = "",
    pdf: str | None = "auto",
    log_to_mlflow: bool = True,
    n_boot: int = 2000,
    say: Callable[[str], None] = print,
) -> dict:
    """Write ``report.html``, ``report.json`` and ``report.pdf`` and log them to the MLflow run.

    Parameters
    ----------
    target : str
        A training run folder, a ``seizure detect`` output folder, or an MLflow run id (its run folder
        is found through the ``run_dir`` tag or under ``runs_dir``; failing that the logged model is
        run again on the eval split listed in the run's artifacts).
    out_dir : path, optional
        Default: the run or detection folder.
    pdf : str or None
        PDF engine (``auto``, ``chromium``, ``matplotlib``) or None.
    log_to_mlflow : bool
        Log the files to the MLflow run of the model (artifact folder ``report``, or
        ``report/<detection folder name>`` for a detection folder).

    Returns
    -------
    dict
        ``html``, ``json``, ``pdf``, ``pdf_engine``, ``doc``, ``logged_to`` (run id or None).
    """
    inp, default_out = resolve_target(target, runs_dir, tracking_uri, say=say)
    uri = inp.source.get("tracking_uri") or tracking_uri
    run_id = inp.source.get("run_id")
    if run_id and not inp.git_commit:
        inp.git_commit = _run_tags(run_id, uri).get("git_commit")
    paths = build_report(inp, Path(out_dir) if out_dir else default_out, pdf=pdf, n_boot=n_boot)
    paths["logged_to"] = None
    if log_to_mlflow and run_id:
        from seizure.tracking import log_report

        folder = "report" if inp.source["kind"] == "run" else f"report/{Path(str(inp.source['path'])).name}"
        try:
            log_report(run_id, [p for p in (paths["html"], paths["json"], paths["pdf"]) if p], uri, folder)
            paths["logged_to"] = run_id
        except Exception as exc:  # noqa: BLE001 - files are written; say why they are not in MLflow
            logger.warning("report not logged to MLflow run %s: %s", run_id, exc)
            paths["log_error"] = f"{type(exc).__name__}: {exc}"
    return paths
