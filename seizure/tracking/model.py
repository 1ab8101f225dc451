"""Logging, saving and loading torch networks as MLflow models."""

from __future__ import annotations

import logging
from pathlib import Path

import mlflow
import numpy as np

__all__ = ["log_torch_model", "save_torch_model", "load_saved_model"]


def _signature(net, input_example: np.ndarray):
    import torch

    net.eval()
    with torch.no_grad():
        output = net(torch.from_numpy(input_example)).numpy()
    return mlflow.models.infer_signature(input_example, output)


def _common(net, input_example: np.ndarray) -> dict:
    import torch

    # the pickle format is chosen on purpose (loading accepts any batch size and window length);
    # silence MLflow's generic warning about it
    logging.getLogger("mlflow.pytorch").setLevel(logging.ERROR)
    return dict(
        signature=_signature(net, input_example),
        input_example=input_example,
        pip_requirements=[f"torch=={torch.__version__.split('+')[0]}"],
        serialization_format="pickle",
    )


def log_torch_model(
    uri: str, run_id: str, experiment_id: str, net, input_example: np.ndarray, registered_name: str = ""
) -> str:
    """Log ``net`` as the model ``model`` of run ``run_id`` (in ``experiment_id`` at ``uri``), with its
    signature and input example; register it when a name is given. Returns the model URI."""
    import mlflow.pytorch

    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment(experiment_id=experiment_id)  # where MLflow files the logged model
    info = mlflow.pytorch.log_model(
        net, name="model", registered_model_name=registered_name or None, run_id=run_id, **_common(net, input_example)
    )
    return info.model_uri


def save_torch_model(folder: Path, net, input_example: np.ndarray) -> None:
    """Save ``net`` as an MLflow model folder (the same format as :func:`log_torch_model`) and its
    input example beside it (``<folder>.input.npy``), to be logged later."""
    import mlflow.pytorch

    mlflow.pytorch.save_model(net, str(folder), **_common(net, input_example))
    np.save(folder.with_name(folder.name + ".input.npy"), input_example)


def load_saved_model(folder: Path):
    """The network and input example saved by :func:`save_torch_model`."""
    import mlflow.pytorch

    net = mlflow.pytorch.load_model(str(folder), map_location="cpu")
    return net, np.load(folder.with_name(folder.name + ".input.npy"))
