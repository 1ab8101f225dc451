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
    """One MLflow run. Use as a context manager: an exception marks the run FAILED, Ctrl-C KILLED."""

    def __init__(self, uri: str = "", experiment: str = "seizure", run_name: str | None = None) -> None:
        self.uri = resolve_uri(uri)
        mlflow.set_tracking_uri(self.uri)
        mlflow.set_experiment(experiment)
        self.run = mlflow.start_run(run_name=run_name)
        self.run_id = self.run.info.run_id
        self.experiment_id = self.run.info.experiment_id

    def __enter__(self) -> "Tracker":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            status = "FINISHED"
        elif issubclass(exc_type, KeyboardInterrupt):
            status = "KILLED"
        else:
            status = "FAILED"
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
