"""Names the training code accepts, in a module without torch so the configuration can import it.

``seizure.training.module`` implements each of these names; ``seizure.config`` checks the
configuration against them.
"""

from __future__ import annotations

__all__ = [
    "LOSSES",
    "OPTIMIZERS",
    "SCHEDULERS",
    "GRADIENT_CLIP_ALGORITHMS",
    "MONITOR_MODES",
    "STEP_METRICS",
    "DEV_EVENT_METRICS",
    "monitors",
]

#: Training losses (``SeizureModule`` / ``data_loss``).
LOSSES = ("bce", "focal", "mse")
#: Optimizers of ``SeizureModule.configure_optimizers``.
OPTIMIZERS = ("adamw", "adam", "sgd", "rmsprop")
#: Learning-rate schedulers of ``SeizureModule.configure_optimizers``.
SCHEDULERS = ("none", "cosine", "step", "plateau")
#: Gradient clipping algorithms (``lightning.Trainer(gradient_clip_algorithm=...)``).
GRADIENT_CLIP_ALGORITHMS = ("norm", "value")
#: Direction of improvement of a monitored metric (early stopping, best weights).
MONITOR_MODES = ("min", "max")
#: Step-level validation metrics ``SeizureModule`` logs each validation epoch (besides the losses).
STEP_METRICS = ("val_auroc", "val_ap")
#: Event-level dev metrics ``seizure.training.callbacks.DevEventMetrics`` logs.
DEV_EVENT_METRICS = ("val_ovlp_sensitivity", "val_ovlp_fa_per_24h")


def monitors(loss_name: str, dev_metrics: bool = True) -> tuple[str, ...]:
    """Metric names early stopping may monitor.

    Parameters
    ----------
    loss_name : str
        The training loss (``val_<loss_name>`` is logged beside ``val_loss``).
    dev_metrics : bool
        Whether the event-level dev metrics are computed (``train.dev_metrics.enabled``).
    """
    return ("val_loss", f"val_{loss_name}", *STEP_METRICS, *(DEV_EVENT_METRICS if dev_metrics else ()))
