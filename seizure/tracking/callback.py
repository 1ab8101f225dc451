"""The Lightning callback that logs a training run's epoch metrics to its :class:`~seizure.tracking.tracker.Tracker`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import lightning as L

if TYPE_CHECKING:
    from seizure.tracking.tracker import Tracker

__all__ = ["MlflowEpochCallback"]


class MlflowEpochCallback(L.Callback):
    """Logs every epoch-level metric Lightning collected, with the epoch as the MLflow step, and keeps
    the run's heartbeat fresh (at most one tag every ``tracker.heartbeat_s`` seconds).

    Parameters
    ----------
    tracker : Tracker or NullTracker
        The run to log to (a ``NullTracker`` on the ranks that log nothing).
    """

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker

    def _log(self, trainer: L.Trainer) -> None:
        if trainer.sanity_checking:
            return
        metrics = {k: float(v) for k, v in trainer.callback_metrics.items() if getattr(v, "numel", lambda: 1)() == 1}
        self.tracker.log_metrics(metrics, step=trainer.current_epoch)

    def _beat(self) -> None:
        beat = getattr(self.tracker, "heartbeat", None)
        if beat is not None:
            beat()

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        """Log the scalar ``trainer.callback_metrics`` (the training metrics of this epoch and, when
        the epoch was validated, the validation metrics) with the epoch as the step; nothing during
        the sanity check.

        Parameters
        ----------
        trainer : lightning.Trainer
            The trainer; its ``callback_metrics`` and ``current_epoch`` are read.
        pl_module : lightning.LightningModule
            The module being trained (unused).
        """
        self._log(trainer)

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        """Refresh the heartbeat (written at most every ``heartbeat_s`` seconds), so that a long
        epoch does not make the run look dead.

        Parameters
        ----------
        trainer : lightning.Trainer
            The trainer (unused).
        pl_module : lightning.LightningModule
            The module being trained (unused).
        outputs : object
            What ``training_step`` returned (unused).
        batch : object
            The training batch (unused).
        batch_idx : int
            Index of the batch in the epoch (unused).
        """
        self._beat()

    def on_validation_batch_end(self, trainer, pl_module, outputs, batch, batch_idx, dataloader_idx=0) -> None:
        """Refresh the heartbeat (written at most every ``heartbeat_s`` seconds) during validation.

        Parameters
        ----------
        trainer : lightning.Trainer
            The trainer (unused).
        pl_module : lightning.LightningModule
            The module being validated (unused).
        outputs : object
            What ``validation_step`` returned (unused).
        batch : object
            The validation batch (unused).
        batch_idx : int
            Index of the batch in the validation run (unused).
        dataloader_idx : int
            Index of the validation loader (unused).
        """
        self._beat()
