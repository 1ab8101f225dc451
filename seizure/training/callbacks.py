"""Lightning callbacks of a training run: dev-set event metrics, early stopping, best weights.

``build_callbacks(cfg, dev_entries)`` returns the list the training pipeline passes to
``lightning.Trainer(callbacks=...)``.
"""

from __future__ import annotations

import copy
import logging
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import lightning as L
import numpy as np
import torch
from lightning.pytorch.callbacks import EarlyStopping
from torch import nn

from seizure._validation import ParameterError, check_option
from seizure.inference import predict_signals
from seizure.io.annotations import Event
from seizure.postprocess import EventDetector
from seizure.training.options import MONITOR_MODES

if TYPE_CHECKING:
    from seizure.cache import CachedRecording
    from seizure.config import Config

__all__ = ["DevEventMetrics", "BestWeights", "build_callbacks"]

logger = logging.getLogger("seizure")
#: Thresholds the per-epoch fit always tries besides the quantiles of the scores.
_DEV_THRESHOLDS = tuple(np.linspace(0.05, 0.95, 19).tolist())


class _OnDevice(nn.Module):
    """Feeds CPU input to a network on any device and returns CPU float32 logits."""

    def __init__(self, net: nn.Module, device: torch.device) -> None:
        super().__init__()
        self.net, self.device = net, device

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.to(self.device)).float().cpu()


class DevEventMetrics(L.Callback):
    """Event-level OVLP sensitivity and FA/24h of the network on whole dev recordings.

    After each validation epoch (every ``every_n_epochs``), per-step probabilities of every dev
    recording are computed with ``seizure.inference.predict_signals`` (windows of
    ``window_steps`` steps laid end to end) and the threshold of ``detector`` is fitted on them
    (:meth:`~seizure.postprocess.EventDetector.fit` with its own settings as a one-point grid,
    OVLP, selection ``"plateau_highest"``): the best sensitivity at FA/24h <= ``target_fa_per_24h``
    is logged.

    Logged (epoch level): ``val_ovlp_sensitivity`` (fraction, 0 when no threshold meets the
    target), ``val_ovlp_fa_per_24h`` (at that threshold; when none meets the target, the lowest
    FA/24h of the sweep), ``val_ovlp_threshold``. ``history`` keeps one dict per evaluation.

    Parameters
    ----------
    entries : list of CachedRecording
        Dev recordings (``signals`` (rows, n), ``sfreq``, ``duration``, ``seizures``).
    step_s : float
        Output step of the network, seconds.
    window_steps : int
        Steps per inference window.
    detector : EventDetector
        Post-processing (smoothing, minimum duration, merge gap); a copy is fitted each time.
    target_fa_per_24h : float
        The false-alarm target the fitted threshold must meet (false alarms per 24 h).
    every_n_epochs : int
        Evaluate after every this many validation epochs (and always after the last epoch).
    n_thresholds : int
        Quantiles of the smoothed dev scores used as thresholds (plus a 0.05 grid).
    batch_size : int
        Windows per forward pass (16 windows of 64 s x 22 channels at 100 Hz keep the first
        convolution's activations near 70 MB; larger batches were not faster on 2 CPU cores).
    """

    def __init__(
        self,
        entries: Sequence[CachedRecording],
        step_s: float,
        window_steps: int,
        detector: EventDetector,
        target_fa_per_24h: float,
        every_n_epochs: int = 1,
        n_thresholds: int = 30,
        batch_size: int = 16,
    ) -> None:
        self.entries = list(entries)
        self.step_s = float(step_s)
        self.window_steps = int(window_steps)
        self.detector = detector
        self.target = float(target_fa_per_24h)
        self.every_n_epochs = max(1, int(every_n_epochs))
        self.n_thresholds = int(n_thresholds)
        self.batch_size = int(batch_size)
        self.refs = [[Event(a, b, "seiz") for a, b in e.seizures] for e in self.entries]
        self.durations = [e.duration for e in self.entries]
        self.history: list[dict] = []
        self._warned = False

    def dev_probabilities(self, net: nn.Module) -> list[np.ndarray]:
        """Per-step probabilities of every dev recording (the network is left in its prior mode).

        Parameters
        ----------
        net : nn.Module
            Maps (B, rows, window_steps * samples_per_step) float32 windows to (B, window_steps)
            logits; it may sit on any device (inputs are moved to it, outputs back to the CPU).

        Returns
        -------
        list of ndarray, each shape (n_steps,)
            One float32 array per entry, ``n_steps = floor(duration / step_s)``, values in [0, 1].
        """
        was_training = net.training
        device = next(net.parameters()).device
        runner = net if device.type == "cpu" else _OnDevice(net, device)
        out = []
        try:
            for e in self.entries:
                sps = int(round(self.step_s * e.sfreq))
                n_steps = int(math.floor(e.duration / self.step_s + 1e-9))
                out.append(predict_signals(runner, e.signals, sps, n_steps, self.window_steps, 0, self.batch_size))
        finally:
            net.train(was_training)
        return out

    def fit(self, probs: list[np.ndarray]) -> EventDetector:
        """A copy of ``detector`` fitted on dev probabilities (thresholds: ``n_thresholds`` quantiles
        of the smoothed scores and 0.05, 0.10, ..., 0.95).

        Parameters
        ----------
        probs : list of ndarray, each shape (n_steps,)
            Per-step probabilities of each dev recording, in the order of ``entries`` (as
            :meth:`dev_probabilities` returns them).

        Returns
        -------
        EventDetector
            Fitted at ``detector``'s settings (OVLP, selection ``"plateau_highest"``) for
            FA/24h <= ``target_fa_per_24h``; ``target_met_`` is False when no threshold meets it.
        """
        det = EventDetector(
            **{k: getattr(self.detector, k) for k in ("step_s", "smooth_s", "min_duration_s", "merge_gap_s")}
        )
        return det.fit(
            probs,
            self.refs,
            self.durations,
            target_fa_per_24h=self.target,
            metric="ovlp",
            selection="plateau_highest",
            n_thresholds=self.n_thresholds,
            fixed_thresholds=_DEV_THRESHOLDS,
        )

    def evaluate(self, net: nn.Module) -> dict:
        """Score ``net`` on the dev recordings: ``{"sensitivity", "fa_per_24h", "threshold"}``
        (sensitivity 0 when no threshold meets the target).

        Parameters
        ----------
        net : nn.Module
            The network, as for :meth:`dev_probabilities`.

        Returns
        -------
        dict of str to float
            ``sensitivity`` (OVLP, fraction; 0 also when the dev recordings hold no seizure),
            ``fa_per_24h`` (false alarms per 24 h) and ``threshold`` of the fitted point.
        """
        det = self.fit(self.dev_probabilities(net))
        if not det.target_met_:
            return {"sensitivity": 0.0, "fa_per_24h": float(det.fa_per_24h_), "threshold": float(det.threshold_)}
        sens = det.sensitivity_
        if sens is None:  # no seizure in the dev recordings
            if not self._warned:
                logger.warning("dev recordings hold no seizure: val_ovlp_sensitivity is logged as 0")
                self._warned = True
            sens = 0.0
        return {"sensitivity": float(sens), "fa_per_24h": float(det.fa_per_24h_), "threshold": float(det.threshold_)}

    def on_validation_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        """Every ``every_n_epochs`` epochs and after the last one, score the network on the dev
        recordings (:meth:`evaluate`), append the figures to ``history`` and log them as
        ``val_ovlp_sensitivity``, ``val_ovlp_fa_per_24h`` and ``val_ovlp_threshold``. Nothing during
        the sanity check or without dev recordings.

        Parameters
        ----------
        trainer : lightning.Trainer
            The trainer; ``current_epoch`` and ``max_epochs`` decide whether this epoch is scored.
        pl_module : lightning.LightningModule
            The module being trained; its ``net`` attribute (else the module itself) is scored.
        """
        if trainer.sanity_checking or not self.entries:
            return
        last = trainer.max_epochs is not None and trainer.current_epoch + 1 >= trainer.max_epochs
        if (trainer.current_epoch + 1) % self.every_n_epochs and not last:
            return
        net = getattr(pl_module, "net", pl_module)
        res = self.evaluate(net)
        self.history.append({"epoch": trainer.current_epoch, **res})
        # every rank computes the same figures (whole dev set); sync_dist keeps DDP consistent
        for key in ("sensitivity", "fa_per_24h", "threshold"):
            pl_module.log(f"val_ovlp_{key}", res[key], sync_dist=True)


class BestWeights(L.Callback):
    """Keeps a copy of the network's weights at the best value of ``monitor`` and restores them
    when fitting ends (Keras' ``restore_best_weights``).

    Parameters
    ----------
    monitor : str
        The logged metric to follow (``val_loss``, ``val_ovlp_sensitivity``, ...).
    mode : {"max", "min"}
        Whether a larger or a smaller value is better.
    min_delta : float
        A new best must beat the previous one by more than this (in the metric's units).

    Raises
    ------
    ParameterError
        For a ``mode`` other than ``"max"`` or ``"min"``.
    """

    def __init__(self, monitor: str, mode: str = "max", min_delta: float = 0.0) -> None:
        check_option(mode, MONITOR_MODES, "train.early_stopping.mode")
        self.monitor, self.mode, self.min_delta = monitor, mode, float(min_delta)
        self.best: float | None = None
        self.best_epoch: int | None = None
        self._state: dict | None = None

    def _better(self, value: float) -> bool:
        if self.best is None:
            return True
        return value > self.best + self.min_delta if self.mode == "max" else value < self.best - self.min_delta

    def on_validation_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        """After each validation run, keep a CPU copy of the module's ``state_dict`` when the
        finite value of ``monitor`` is a new best; nothing during the sanity check or while
        ``monitor`` has not been logged yet.

        Parameters
        ----------
        trainer : lightning.Trainer
            The trainer; ``callback_metrics[monitor]`` and ``current_epoch`` are read.
        pl_module : lightning.LightningModule
            The module whose weights are copied.
        """
        if trainer.sanity_checking or self.monitor not in trainer.callback_metrics:
            return
        value = float(trainer.callback_metrics[self.monitor])
        if math.isfinite(value) and self._better(value):
            self.best, self.best_epoch = value, trainer.current_epoch
            self._state = copy.deepcopy({k: v.detach().cpu() for k, v in pl_module.state_dict().items()})

    @property
    def state_key(self) -> str:
        """Key of this callback's state in a checkpoint (one per monitored metric and mode)."""
        return f"BestWeights[{self.monitor},{self.mode}]"

    def state_dict(self) -> dict:
        """What a checkpoint keeps, so that a resumed run restores the best epoch of the whole run.

        Returns
        -------
        dict
            ``best`` (metric value or None), ``best_epoch`` (int or None) and ``weights`` (the kept
            CPU ``state_dict`` of the module, or None).
        """
        return {"best": self.best, "best_epoch": self.best_epoch, "weights": self._state}

    def load_state_dict(self, state_dict: dict) -> None:
        """Take back what :meth:`state_dict` saved (Lightning calls this when resuming).

        Parameters
        ----------
        state_dict : dict
            As returned by :meth:`state_dict`.
        """
        self.best, self.best_epoch, self._state = state_dict["best"], state_dict["best_epoch"], state_dict["weights"]

    def on_fit_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        """When fitting ends, load the best weights kept into the module (nothing when no
        validation run logged ``monitor``).

        Parameters
        ----------
        trainer : lightning.Trainer
            The trainer (unused).
        pl_module : lightning.LightningModule
            The module that gets the best weights back.
        """
        if self._state is not None:
            pl_module.load_state_dict(self._state)
            logger.info("restored weights of epoch %d (%s = %.4f)", self.best_epoch, self.monitor, self.best)


def build_callbacks(cfg: Config, dev_entries: Sequence[CachedRecording] | None = None) -> list[L.Callback]:
    """Callbacks from ``cfg.train.dev_metrics`` and ``cfg.train.early_stopping``.

    Parameters
    ----------
    cfg : Config
        The run configuration: ``data.step_s`` and ``data.window_s`` (seconds), the
        ``postprocess`` settings of the detector, and ``train.dev_metrics`` and
        ``train.early_stopping``.
    dev_entries : sequence of CachedRecording, optional
        Dev recordings for :class:`DevEventMetrics`; without them no dev metrics are computed.

    Returns
    -------
    list of lightning.Callback
        ``[DevEventMetrics]`` when dev metrics are enabled and dev recordings are given, then
        ``[EarlyStopping, BestWeights]`` when early stopping is enabled (``BestWeights`` only with
        ``restore_best``).

    Raises
    ------
    ParameterError
        When early stopping monitors a ``val_ovlp_*`` metric that is not computed.
    """
    t, pp = cfg.train, cfg.postprocess
    out: list[L.Callback] = []
    dm = t.dev_metrics
    if dm.enabled and dev_entries:
        detector = EventDetector(cfg.data.step_s, pp.smooth_s, pp.min_duration_s, pp.merge_gap_s)
        window_steps = int(round(cfg.data.window_s / cfg.data.step_s)) * dm.window_factor
        target = dm.target_fa_per_24h if dm.target_fa_per_24h > 0 else pp.target_fa_per_24h
        out.append(DevEventMetrics(dev_entries, cfg.data.step_s, window_steps, detector, target,
                                   dm.every_n_epochs, dm.n_thresholds))  # fmt: skip
    es = t.early_stopping
    if es.enabled:
        if es.monitor.startswith("val_ovlp") and not any(isinstance(c, DevEventMetrics) for c in out):
            raise ParameterError(
                f"train.early_stopping.monitor={es.monitor!r} needs train.dev_metrics.enabled and dev recordings"
            )
        sparse = es.monitor.startswith("val_ovlp") and dm.every_n_epochs > 1
        out.append(EarlyStopping(monitor=es.monitor, mode=es.mode, patience=es.patience, min_delta=es.min_delta,
                                 check_on_train_epoch_end=False, strict=not sparse))  # fmt: skip
        if es.restore_best:
            out.append(BestWeights(es.monitor, es.mode))
    return out
