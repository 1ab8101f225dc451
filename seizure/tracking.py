"""MLflow tracking: the only module of the project that imports mlflow.

The tracking URI is, in order: the configured one, ``$MLFLOW_TRACKING_URI``, or
``sqlite:///<working dir>/mlflow.db``.
"""

from __future__ import annotations

import logging
import os
import subprocess
from pathlib import Path
from typing import Any

import lightning as L
import mlflow
import numpy as np

__all__ = ["resolve_uri", "Tracker", "MlflowEpochCallback", "git_commit"]

logger = logging.getLogger("seizure")


def resolve_uri(uri: str = "") -> str:
    if uri:
        return uri
    env = os.environ.get("MLFLOW_TRACKING_URI")
    if env:
        return env
    return f"sqlite:///{Path.cwd() / 'mlflow.db'}"


def git_commit() -> str:
    """Commit of the source tree the package runs from, or ``unknown``."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=Path(__file__).resolve().parent, capture_output=True, text=True, timeout=10
        )
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


class Tracker:
    """One MLflow run. Use as a context manager: an exception marks the run FAILED, Ctrl-C or
    SIGTERM (which the pipelines turn into KeyboardInterrupt) KILLED; never left RUNNING.

    Parameters
    ----------
    uri, experiment, run_name : where and what to log.
    run_id : str, optional
        Continue this existing run (resumption) instead of starting a new one.
    parent_run_id : str, optional
        Start the run as a child of this one (sweeps).
    """

    def __init__(
        self,
        uri: str = "",
        experiment: str = "seizure",
        run_name: str | None = None,
        run_id: str | None = None,
        parent_run_id: str | None = None,
    ) -> None:
        self.uri = resolve_uri(uri)
        mlflow.set_tracking_uri(self.uri)
        if run_id:
            self.run = mlflow.start_run(run_id=run_id)
        else:
            mlflow.set_experiment(experiment)
            self.run = mlflow.start_run(run_name=run_name, parent_run_id=parent_run_id, nested=parent_run_id is not None)
        self.run_id = self.run.info.run_id
        self.experiment_id = self.run.info.experiment_id

    def __enter__(self) -> "Tracker":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None or (issubclass(exc_type, SystemExit) and exc.code in (0, None)):
            status = "FINISHED"
        elif issubclass(exc_type, (KeyboardInterrupt, SystemExit)):
            status = "KILLED"  # Lightning turns Ctrl-C into sys.exit(1) after a graceful shutdown
        else:
            status = "FAILED"
        self.set_tags({"end_status": status})
        mlflow.end_run(status=status)

    def log_params(self, params: dict[str, Any]) -> None:
        items = list(params.items())
        for i in range(0, len(items), 100):
            mlflow.log_params({k: ("" if v is None else v) for k, v in items[i : i + 100]})

    def set_tags(self, tags: dict[str, Any]) -> None:
        mlflow.set_tags({k: str(v) for k, v in tags.items()})

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        clean = {k: float(v) for k, v in metrics.items() if v is not None and np.isfinite(v)}
        if clean:
            mlflow.log_metrics(clean, step=step)

    def log_artifact(self, path: str | os.PathLike, artifact_path: str | None = None) -> None:
        mlflow.log_artifact(str(path), artifact_path=artifact_path)

    def log_dict(self, data: dict, name: str) -> None:
        mlflow.log_dict(data, name)

    def log_model(self, net, input_example: np.ndarray, registered_name: str = "") -> str:
        """Log a torch module with signature and input example; register it if a name is given.

        The model is pickled (``serialization_format="pickle"``): loading it needs the ``seizure``
        package installed, and accepts any batch size and window length, unlike a traced export.

        Returns the model URI.
        """
        import mlflow.pytorch
        import torch

        net.eval()
        with torch.no_grad():
            output = net(torch.from_numpy(input_example)).numpy()
        signature = mlflow.models.infer_signature(input_example, output)
        # the pickle format is chosen on purpose (see above); silence MLflow's generic warning about it
        logging.getLogger("mlflow.pytorch").setLevel(logging.ERROR)
        info = mlflow.pytorch.log_model(
            net,
            name="model",
            signature=signature,
            input_example=input_example,
            pip_requirements=[f"torch=={torch.__version__.split('+')[0]}"],
            registered_model_name=registered_name or None,
            serialization_format="pickle",
        )
        return info.model_uri


class MlflowEpochCallback(L.Callback):
    """Logs every epoch-level metric Lightning collected, with the epoch as the MLflow step."""

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker

    def _log(self, trainer: L.Trainer) -> None:
        if trainer.sanity_checking:
            return
        metrics = {k: float(v) for k, v in trainer.callback_metrics.items() if getattr(v, "numel", lambda: 1)() == 1}
        self.tracker.log_metrics(metrics, step=trainer.current_epoch)

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        self._log(trainer)


def run_info(run_id: str, uri: str = "") -> dict:
    """Status, tags, params and latest metrics of a run."""
    client = mlflow.MlflowClient(resolve_uri(uri))
    run = client.get_run(run_id)
    return {
        "run_id": run.info.run_id,
        "status": run.info.status,
        "experiment_id": run.info.experiment_id,
        "tags": dict(run.data.tags),
        "params": dict(run.data.params),
        "metrics": dict(run.data.metrics),
    }


def search_runs(uri: str = "", experiment: str | None = None, max_results: int = 100) -> list[dict]:
    """Runs of one experiment (or all), newest first, as plain dicts."""
    client = mlflow.MlflowClient(resolve_uri(uri))
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
        }
        for r in runs
    ]


def load_model(model_uri: str, uri: str = ""):
    """Load a logged network from ``models:/NAME/VERSION``, ``models:/NAME@ALIAS`` or ``runs:/RUN_ID/PATH``.

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
    client = mlflow.MlflowClient(tracking_uri)
    try:
        if model_uri.startswith("models:/"):
            ref = model_uri[len("models:/"):].strip("/")
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
            run_id = model_uri[len("runs:/"):].split("/", 1)[0]
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

    Returns the paths downloaded.
    """
    client = mlflow.MlflowClient(resolve_uri(uri))
    present = {Path(a.path).name for a in client.list_artifacts(run_id)}
    out = []
    for name in names:
        if name in present:
            out.append(Path(client.download_artifacts(run_id, name, str(dst))))
    return out


def log_report(run_id: str, paths: list[str | os.PathLike], uri: str = "", artifact_path: str = "report") -> None:
    """Log report files (HTML, JSON, PDF) to an existing run, whether it is active or finished."""
    client = mlflow.MlflowClient(resolve_uri(uri))
    for p in paths:
        client.log_artifact(run_id, str(p), artifact_path)


class NullTracker:
    """Stands in for ``Tracker`` on non-zero ranks of a multi-process (DDP) launch: logs nothing."""

    run_id = ""
    uri = ""

    def __enter__(self) -> "NullTracker":
        return self

    def __exit__(self, *exc) -> None:
        return None

    def __getattr__(self, name):
        return lambda *a, **k: None


def global_rank() -> int:
    """Rank of this process in a torchrun / Lightning / SLURM launch (0 when launched alone)."""
    for var in ("RANK", "SLURM_PROCID", "LOCAL_RANK"):
        if var in os.environ:
            try:
                return int(os.environ[var])
            except ValueError:
                pass
    return 0
