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
    signature and input example; register it when a name is given.

    The signature is inferred from one forward pass of ``net`` (put in eval mode) on
    ``input_example``; the model is pickled, so that loading it accepts any batch size and window
    length.

    Parameters
    ----------
    uri : str
        Tracking URI (already resolved); it becomes MLflow's global tracking URI.
    run_id : str
        The existing run to log into.
    experiment_id : str
        The run's experiment (where MLflow files the logged model).
    net : torch.nn.Module
        The network; it maps a float32 batch of windows to per-step logits.
    input_example : ndarray, shape (B, C, T)
        A float32 input batch: B windows, C network input rows, T samples per window.
    registered_name : str
        Name in the model registry to register a new version under; '' registers nothing.

    Returns
    -------
    str
        The URI of the logged model, as MLflow returns it (``ModelInfo.model_uri``).
    """
    import mlflow.pytorch

    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment(experiment_id=experiment_id)  # where MLflow files the logged model
    info = mlflow.pytorch.log_model(
        net, name="model", registered_model_name=registered_name or None, run_id=run_id, **_common(net, input_example)
    )
    return info.model_uri


def save_torch_model(folder: Path, net, input_example: np.ndarray) -> None:
    """Save ``net`` as an MLflow model folder (the same format as :func:`log_torch_model`) and its
    input example beside it (``<folder>.input.npy``), to be logged later.

    Parameters
    ----------
    folder : Path
        The model folder to create (MLflow refuses a folder that already holds files).
    net : torch.nn.Module
        The network.
    input_example : ndarray, shape (B, C, T)
        A float32 input batch (B windows, C input rows, T samples), stored with the model and in
        ``<folder>.input.npy``.
    """
    import mlflow.pytorch

    mlflow.pytorch.save_model(net, str(folder), **_common(net, input_example))
    np.save(folder.with_name(folder.name + ".input.npy"), input_example)


def load_saved_model(folder: Path):
    """The network and input example saved by :func:`save_torch_model`.

    Parameters
    ----------
    folder : Path
        The model folder written by :func:`save_torch_model` (``<folder>.input.npy`` beside it).

    Returns
    -------
    net : torch.nn.Module
        The network, on the CPU.
    input_example : ndarray, shape (B, C, T)
        The input batch saved with it.
    """
    import mlflow.pytorch

    net = mlflow.pytorch.load_model(str(folder), map_location="cpu")
    return net, np.load(folder.with_name(folder.name + ".input.npy"))
