"""Reading runs back, loading their models and artifacts, and ending runs whose process died."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import mlflow

from seizure.tracking import liveness
from seizure.tracking.store import TrackingError, connect, resolve_uri, store_errors

__all__ = [
    "run_info",
    "search_runs",
    "load_model",
    "download_run_artifacts",
    "log_report",
    "mark_dead_runs",
    "end_stale_run",
]


def run_info(run_id: str, uri: str = "") -> dict:
    """Status, tags, params and latest metrics of a run.

    Parameters
    ----------
    run_id : str
        The MLflow run id.
    uri : str
        Tracking URI (default: see :func:`resolve_uri`).

    Returns
    -------
    dict
        ``run_id``, ``status``, ``experiment_id``, and ``tags``, ``params``, ``metrics`` (the
        latest value of each) as dicts.

    Raises
    ------
    TrackingError
        For an unknown run or a store that cannot be reached (after the bounded HTTP retries).
    """
    uri = resolve_uri(uri)
    with store_errors(uri, f"reading run {run_id}"):
        run = connect(uri).get_run(run_id)
    return {
        "run_id": run.info.run_id,
        "status": run.info.status,
        "experiment_id": run.info.experiment_id,
        "tags": dict(run.data.tags),
        "params": dict(run.data.params),
        "metrics": dict(run.data.metrics),
    }


def search_runs(
    uri: str = "", experiment: str | None = None, max_results: int = 100, stale_after_s: float = liveness.STALE_AFTER_S
) -> list[dict]:
    """Runs of one experiment (or all), newest first, as plain dicts.

    Parameters
    ----------
    uri : str
        Tracking URI (default: see :func:`resolve_uri`).
    experiment : str, optional
        Experiment name; None lists the runs of every experiment.
    max_results : int
        Most runs returned (the newest).
    stale_after_s : float
        Heartbeat age (seconds) after which a RUNNING run of another host counts as dead.

    Returns
    -------
    list of dict
        ``run_id``, ``run_name``, ``status``, ``start_time`` (ms since 1970-01-01 UTC), ``tags``,
        ``params``, ``metrics``, and ``dead``: why a RUNNING run is dead ('' when it is not
        RUNNING or is alive; see :func:`seizure.tracking.liveness.death_reason`).

    Raises
    ------
    ValueError
        For an unknown experiment, listing the experiments there are.
    TrackingError
        For a store that fails or cannot be reached.
    """
    uri = resolve_uri(uri)
    with store_errors(uri, "listing runs"):
        return _search_runs(uri, experiment, max_results, stale_after_s)


def _search_runs(uri: str, experiment: str | None, max_results: int, stale_after_s: float) -> list[dict]:
    client = connect(uri)
    if experiment:
        exp = client.get_experiment_by_name(experiment)
        if exp is None:
            names = sorted(e.name for e in client.search_experiments())
            raise ValueError(f"no MLflow experiment named {experiment!r}; experiments: {names}")
        ids = [exp.experiment_id]
    else:
        ids = [e.experiment_id for e in client.search_experiments()]
    runs = client.search_runs(ids, max_results=max_results, order_by=["attributes.start_time DESC"])
    return [
        {
            "run_id": r.info.run_id,
            "run_name": r.info.run_name,
            "status": r.info.status,
            "start_time": r.info.start_time,
            "tags": dict(r.data.tags),
            "params": dict(r.data.params),
            "metrics": dict(r.data.metrics),
            "dead": liveness.death_reason(r.info.status, dict(r.data.tags), stale_after_s),
        }
        for r in runs
    ]


def _end_dead(client: mlflow.MlflowClient, run, reason: str) -> None:
    tags = dict(run.data.tags)
    beat = liveness.parse_iso(tags.get(liveness.HEARTBEAT_TAG, ""))
    client.set_tag(
        run.info.run_id,
        liveness.END_REASON_TAG,
        f"{reason}; marked KILLED from {socket.gethostname()} at {liveness.now_iso()}",
    )
    client.set_tag(run.info.run_id, "end_status", "KILLED")
    # the run ended at its last sign of life, when known
    client.set_terminated(run.info.run_id, "KILLED", end_time=int(beat * 1000) if beat else None)


def end_stale_run(
    run_id: str, uri: str = "", stale_after_s: float = liveness.STALE_AFTER_S, force: bool = False
) -> str:
    """Set a RUNNING run whose process is dead to KILLED, tagging ``seizure.end_reason`` with why.

    Parameters
    ----------
    run_id : str
        The MLflow run id.
    uri : str
        Tracking URI (default: see :func:`resolve_uri`).
    stale_after_s : float
        Heartbeat age (seconds) after which a run of another host counts as dead.
    force : bool
        End it even when it cannot be shown dead (a run of another host with a fresh heartbeat, or
        without liveness tags); never a run whose process is alive on this host.

    Returns
    -------
    str
        The reason recorded.

    Raises
    ------
    TrackingError
        When the run is not RUNNING, or is not shown dead and ``force`` is not given.
    """
    uri = resolve_uri(uri)
    with store_errors(uri, f"ending run {run_id}"):
        client = connect(uri)
        run = client.get_run(run_id)
        return _end_stale(client, run, stale_after_s, force)


def _end_stale(client: mlflow.MlflowClient, run, stale_after_s: float, force: bool) -> str:
    run_id = run.info.run_id
    tags, status = dict(run.data.tags), run.info.status
    if status != "RUNNING":
        raise TrackingError(f"MLflow run {run_id} is {status}, not RUNNING; nothing to end")
    reason = liveness.death_reason(status, tags, stale_after_s)
    if not reason:
        host, pid = tags.get(liveness.HOST_TAG, ""), tags.get(liveness.PID_TAG, "")
        if (
            host
            and pid.isdigit()
            and liveness.process_state(host, int(pid), tags.get(liveness.PROCESS_START_TAG, "")) == "alive"
        ):
            raise TrackingError(f"MLflow run {run_id} is alive: pid {pid} runs on this host ({host})")
        if not force:
            raise TrackingError(
                f"MLflow run {run_id} cannot be shown dead (last heartbeat "
                f"{tags.get(liveness.HEARTBEAT_TAG, 'never')}, pid {pid or '?'} on {host or '?'}); "
                "end it anyway with force"
            )
        reason = "ended by hand"
    _end_dead(client, run, reason)
    return reason


def mark_dead_runs(
    uri: str = "",
    experiment: str | None = None,
    run_ids: list[str] | None = None,
    stale_after_s: float = liveness.STALE_AFTER_S,
    max_results: int = 1000,
) -> list[tuple[str, str]]:
    """End every RUNNING run whose process is dead (KILLED, tagged with the reason).

    Parameters
    ----------
    uri : str
        Tracking URI (default: see :func:`resolve_uri`).
    experiment : str, optional
        Experiment name; None looks in every experiment.
    run_ids : list of str, optional
        Only these runs (full ids or their first 8 characters).
    stale_after_s : float
        Heartbeat age (seconds) after which a run of another host counts as dead.
    max_results : int
        How many of the newest runs are looked at.

    Returns
    -------
    list of (run_id, reason)
        The runs ended, with the reason tagged on each.

    Raises
    ------
    TrackingError
        For a store that fails or cannot be reached.
    """
    uri = resolve_uri(uri)
    out = []
    for r in search_runs(uri, experiment, max_results=max_results, stale_after_s=stale_after_s):
        if run_ids and r["run_id"] not in run_ids and r["run_id"][:8] not in run_ids:
            continue
        if r["dead"]:
            with store_errors(uri, f"ending run {r['run_id']}"):
                client = connect(uri)
                _end_dead(client, client.get_run(r["run_id"]), r["dead"])
            out.append((r["run_id"], r["dead"]))
    return out


def load_model(model_uri: str, uri: str = ""):
    """Load a logged network from ``models:/NAME/VERSION``, ``models:/NAME@ALIAS`` or ``runs:/RUN_ID/PATH``.

    Parameters
    ----------
    model_uri : str
        The model: a registered name with a version or an alias, or a run and the artifact path of
        the model in it (``runs:/<run id>/model``).
    uri : str
        Tracking URI (default: see :func:`resolve_uri`); it becomes MLflow's global tracking URI.

    Returns
    -------
    net : torch.nn.Module
        In eval mode, on the CPU.
    run_id : str
        The run that logged the model (its artifacts hold the configuration).
    tracking_uri : str
        The resolved tracking URI.

    Raises
    ------
    ValueError
        For an unknown model, version or run, naming the URI.
    """
    import mlflow.pytorch
    from mlflow.exceptions import MlflowException

    tracking_uri = resolve_uri(uri)
    mlflow.set_tracking_uri(tracking_uri)
    client = connect(tracking_uri)
    try:
        if model_uri.startswith("models:/"):
            ref = model_uri[len("models:/") :].strip("/")
            if "@" in ref:
                name, alias = ref.split("@", 1)
                version = client.get_model_version_by_alias(name, alias)
            else:
                name, _, ver = ref.partition("/")
                if not ver:
                    raise ValueError(f"{model_uri}: expected models:/NAME/VERSION or models:/NAME@ALIAS")
                version = client.get_model_version(name, ver)
            run_id = version.run_id
        elif model_uri.startswith("runs:/"):
            run_id = model_uri[len("runs:/") :].split("/", 1)[0]
            client.get_run(run_id)
        else:
            raise ValueError(f"{model_uri}: expected models:/NAME/VERSION, models:/NAME@ALIAS or runs:/RUN_ID/PATH")
        net = mlflow.pytorch.load_model(model_uri, map_location="cpu")
    except MlflowException as exc:
        raise ValueError(f"{model_uri}: cannot load from {tracking_uri} ({exc.message})") from None
    net.eval()
    return net, run_id, tracking_uri


def download_run_artifacts(run_id: str, names: list[str], dst: str | os.PathLike, uri: str = "") -> list[Path]:
    """Download the top-level artifacts ``names`` of a run into ``dst``; names the run lacks are skipped.

    Parameters
    ----------
    run_id : str
        The MLflow run id.
    names : list of str
        Names of top-level artifacts (files or folders) of the run.
    dst : path-like
        Existing local folder to download into.
    uri : str
        Tracking URI (default: see :func:`resolve_uri`).

    Returns
    -------
    list of Path
        The local paths downloaded, in the order of ``names``.
    """
    client = connect(resolve_uri(uri))
    present = {Path(a.path).name for a in client.list_artifacts(run_id)}
    out = []
    for name in names:
        if name in present:
            out.append(Path(client.download_artifacts(run_id, name, str(dst))))
    return out


def log_report(run_id: str, paths: list[str | os.PathLike], uri: str = "", artifact_path: str = "report") -> None:
    """Log report files (HTML, JSON, PDF) to an existing run, whether it is active or finished.

    Parameters
    ----------
    run_id : str
        The MLflow run id.
    paths : list of path-like
        The files to log.
    uri : str
        Tracking URI (default: see :func:`resolve_uri`).
    artifact_path : str
        Artifact folder of the run they go into.
    """
    client = connect(resolve_uri(uri))
    for p in paths:
        client.log_artifact(run_id, str(p), artifact_path)
