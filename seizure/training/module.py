"""LightningModule: a registered network trained on per-step labels, with its loss, penalties,
optimizer and window-level metrics all chosen from configuration.

``build_module(cfg, n_channels, sfreq, pos_weight, rows_per_channel)`` is the entry point of the
training pipeline; ``SeizureModule`` itself takes plain values (name, kwargs, dicts) so that it
is rebuilt exactly from its saved hyperparameters.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import lightning as L
import torch
import torch.nn.functional as F
from torchmetrics.classification import BinaryAUROC, BinaryAveragePrecision

from seizure._validation import check_option
from seizure.models import build_model
from seizure.models.groups import KERNEL_GROUPS, parameter_groups
from seizure.models.init import initialize
from seizure.models.regularization import kernel_penalties, penalized_parameters
from seizure.training.determinism import load_rng_states, save_rng_states
from seizure.training.options import LOSSES, OPTIMIZERS, SCHEDULERS

if TYPE_CHECKING:
    from seizure.config import Config

__all__ = ["LOSSES", "OPTIMIZERS", "SCHEDULERS", "SeizureModule", "build_module", "data_loss", "model_kwargs"]


def data_loss(
    logits: torch.Tensor, y: torch.Tensor, name: str = "bce", pos_weight: float = 1.0, focal_gamma: float = 2.0
) -> torch.Tensor:
    """Mean per-step loss; seizure steps weigh ``pos_weight``, background steps 1.

    Parameters
    ----------
    logits, y : Tensor, shape (B, S)
        Logits and 0/1 labels.
    name : {"bce", "focal", "mse"}
        ``bce``: binary cross-entropy; ``focal``: ``(1 - p_t)^gamma`` times the cross-entropy
        (Lin et al. 2017); ``mse``: ``(sigmoid(logit) - y)^2`` (the seed paper's loss).
    pos_weight : float
        Weight of a seizure step (``y = 1``) relative to a background step.
    focal_gamma : float
        The focusing exponent ``gamma`` of the focal loss (unused by the others); 0 gives the
        cross-entropy.

    Returns
    -------
    Tensor
        A scalar: the weighted per-step losses averaged over all B * S steps.

    Raises
    ------
    ParameterError
        For an unknown ``name``.
    """
    w = 1.0 + (pos_weight - 1.0) * y
    if name == "bce":
        per = F.binary_cross_entropy_with_logits(logits, y, reduction="none")
    elif name == "focal":
        ce = F.binary_cross_entropy_with_logits(logits, y, reduction="none")
        p_t = torch.exp(-ce)  # probability given to the true class
        per = (1.0 - p_t).pow(focal_gamma) * ce
    elif name == "mse":
        per = (torch.sigmoid(logits) - y).pow(2)
    else:
        check_option(name, LOSSES, "loss")
    return (w * per).mean()


class SeizureModule(L.LightningModule):
    """Trains ``build_model(model_name, **model_kwargs)`` on (B, rows, T) windows with (B, S) labels.

    Parameters
    ----------
    model_name : str
        A registered network name (``seizure.models.build_model``).
    model_kwargs : dict
        Its keyword arguments (see :func:`model_kwargs`).
    lr, weight_decay : float
        Learning rate; weight decay on kernels (not biases or normalization parameters).
    pos_weight : float
        Weight of seizure steps in the loss.
    init : dict, optional
        Keyword arguments of ``seizure.models.init.initialize`` (None keeps PyTorch's init).
    loss : dict, optional
        ``{"name": "bce" | "focal" | "mse", "focal_gamma": float}`` (default weighted BCE).
    regularization : dict, optional
        ``{"l1": float, "l2": float, "groups": [...]}`` kernel penalties (default none).
    optim : dict, optional
        ``{"optimizer", "momentum", "scheduler", "scheduler_step_epochs", "scheduler_gamma"}``
        (default AdamW with cosine annealing over the run).

    Notes
    -----
    Logged per epoch: ``train_loss`` (data loss + penalties, what is minimized), ``train_<loss>``
    (e.g. ``train_bce``), ``train_l1``, ``train_l2``; ``val_loss`` and ``val_<loss>`` (data loss
    only, comparable across penalties), ``val_auroc`` and ``val_ap`` (step level).

    Every checkpoint also holds the global random states (Python, numpy, torch CPU and CUDA) of
    every rank, put back when training resumes from it (``seizure.training.determinism``), so a
    resumed run draws the same dropout masks and noise as the uninterrupted run.
    """

    def __init__(
        self,
        model_name: str,
        model_kwargs: dict,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        pos_weight: float = 1.0,
        init: dict | None = None,
        loss: dict | None = None,
        regularization: dict | None = None,
        optim: dict | None = None,
    ) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.net = build_model(model_name, **model_kwargs)
        self.init_counts = initialize(self.net, **init) if init else {}
        loss = {"name": "bce", "focal_gamma": 2.0, **(loss or {})}
        check_option(loss["name"], LOSSES, "loss.name")
        self.loss_name, self.focal_gamma = loss["name"], float(loss["focal_gamma"])
        self.pos_weight = float(pos_weight)
        reg = {"l1": 0.0, "l2": 0.0, "groups": list(KERNEL_GROUPS), **(regularization or {})}
        self.l1, self.l2 = float(reg["l1"]), float(reg["l2"])
        self._penalized = penalized_parameters(self.net, reg["groups"])
        self.optim = {
            "optimizer": "adamw", "momentum": 0.9, "scheduler": "cosine",
            "scheduler_step_epochs": 5, "scheduler_gamma": 0.5, **(optim or {}),
        }  # fmt: skip
        check_option(self.optim["optimizer"], OPTIMIZERS, "optim.optimizer")
        check_option(self.optim["scheduler"], SCHEDULERS, "optim.scheduler")
        self.val_auroc = BinaryAUROC()
        self.val_ap = BinaryAveragePrecision()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Per-step logits of the network.

        Parameters
        ----------
        x : Tensor, shape (B, rows, T)
            Float32 windows: rows are the cached rows (channels times features per channel), T the
            samples (or frames) of a window.

        Returns
        -------
        Tensor, shape (B, S)
            One logit per output step of each window.
        """
        return self.net(x)

    def _data_loss(self, batch):
        x, y = batch
        logits = self.net(x)
        y = y[:, : logits.shape[1]]
        return data_loss(logits, y, self.loss_name, self.pos_weight, self.focal_gamma), logits, y

    def penalties(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The current L1 and L2 kernel penalty terms (scalars, already multiplied by l1, l2)."""
        return kernel_penalties(self._penalized, self.l1, self.l2)

    def training_step(self, batch, batch_idx):
        """Loss of one training batch: the data loss plus the L1 and L2 kernel penalties.

        Logs the epoch means of ``train_loss`` (the total), ``train_<loss>``, ``train_l1`` and
        ``train_l2``, weighted by the batch size.

        Parameters
        ----------
        batch : tuple of Tensor
            ``(x, y)``: windows (B, rows, T) and 0/1 step labels (B, n_steps); labels past the S
            steps the network outputs are dropped.
        batch_idx : int
            Index of the batch in the epoch (unused).

        Returns
        -------
        Tensor
            The scalar total loss that is minimized.
        """
        loss, _, _ = self._data_loss(batch)
        p1, p2 = self.penalties()
        total = loss + p1 + p2
        n = batch[0].shape[0]
        kw = dict(on_step=False, on_epoch=True, batch_size=n)
        self.log("train_loss", total, prog_bar=True, **kw)
        self.log(f"train_{self.loss_name}", loss, **kw)
        self.log("train_l1", p1, **kw)
        self.log("train_l2", p2, **kw)
        return total

    def validation_step(self, batch, batch_idx):
        """Data loss of one dev batch (no penalties), and the step probabilities added to the
        AUROC and average-precision metrics.

        Logs the epoch means of ``val_loss`` and ``val_<loss>`` (the same value), weighted by the
        batch size.

        Parameters
        ----------
        batch : tuple of Tensor
            ``(x, y)``: windows (B, rows, T) and 0/1 step labels (B, n_steps).
        batch_idx : int
            Index of the batch in the validation run (unused).
        """
        loss, logits, y = self._data_loss(batch)
        self.val_auroc.update(torch.sigmoid(logits).flatten(), y.flatten().long())
        self.val_ap.update(torch.sigmoid(logits).flatten(), y.flatten().long())
        kw = dict(on_step=False, on_epoch=True, batch_size=batch[0].shape[0])
        self.log("val_loss", loss, prog_bar=True, **kw)
        self.log(f"val_{self.loss_name}", loss, **kw)

    def on_validation_epoch_end(self) -> None:
        """Log ``val_auroc`` and ``val_ap`` (step level, over the whole validation run) and reset
        both metrics for the next run."""
        self.log("val_auroc", self.val_auroc.compute(), prog_bar=True)
        self.log("val_ap", self.val_ap.compute())
        self.val_auroc.reset()
        self.val_ap.reset()

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        """Add the random states of every rank to the checkpoint (see
        :func:`~seizure.training.determinism.save_rng_states`).

        Parameters
        ----------
        checkpoint : dict
            The checkpoint Lightning is writing.
        """
        save_rng_states(checkpoint)

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        """When a fit resumes from ``checkpoint``, put back this rank's random states (see
        :func:`~seizure.training.determinism.load_rng_states`; a warning for a checkpoint without
        them). Loading weights without a trainer leaves the random state alone.

        Parameters
        ----------
        checkpoint : dict
            The checkpoint Lightning has read.

        Raises
        ------
        CheckpointStateError
            When the saved random states are malformed (the message names the checkpoint path).
        """
        trainer = self._trainer
        if trainer is None:  # loading weights outside a fit: the process's random state is not the run's
            return
        path = getattr(trainer, "ckpt_path", None) or "checkpoint"
        load_rng_states(checkpoint, trainer.global_rank, str(path))

    def configure_optimizers(self):
        """The optimizer and learning-rate scheduler of ``optim``.

        Two parameter groups: the kernels, with ``weight_decay``, and the other trainable
        parameters (biases, normalization), without. Optimizers: ``adamw``, ``adam``, ``sgd`` and
        ``rmsprop`` (these two with ``momentum``), all at learning rate ``lr``. Schedulers, stepped
        once per epoch: ``cosine`` (annealed to 0 over ``trainer.max_epochs``, 1 when unset),
        ``step`` (times ``scheduler_gamma`` every ``scheduler_step_epochs`` epochs), ``plateau``
        (times ``scheduler_gamma`` after more than ``scheduler_step_epochs`` epochs without a lower
        ``val_loss``) or ``none``.

        Returns
        -------
        torch.optim.Optimizer or dict
            The optimizer alone for ``none``, else ``{"optimizer", "lr_scheduler"}`` as Lightning
            takes it (with ``monitor="val_loss"`` for ``plateau``).
        """
        o = self.optim
        trainable = [i for i in parameter_groups(self.net) if i.param.requires_grad]
        kernels = [i.param for i in trainable if i.group in KERNEL_GROUPS]
        others = [i.param for i in trainable if i.group not in KERNEL_GROUPS]
        groups = [
            {"params": kernels, "weight_decay": self.hparams.weight_decay},
            {"params": others, "weight_decay": 0.0},
        ]
        lr = self.hparams.lr
        if o["optimizer"] == "adamw":
            opt = torch.optim.AdamW(groups, lr=lr)
        elif o["optimizer"] == "adam":
            opt = torch.optim.Adam(groups, lr=lr)
        elif o["optimizer"] == "sgd":
            opt = torch.optim.SGD(groups, lr=lr, momentum=o["momentum"])
        else:
            opt = torch.optim.RMSprop(groups, lr=lr, momentum=o["momentum"])
        if o["scheduler"] == "none":
            return opt
        if o["scheduler"] == "cosine":
            epochs = self.trainer.max_epochs if self.trainer.max_epochs and self.trainer.max_epochs > 0 else 1
            sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
        elif o["scheduler"] == "step":
            sched = torch.optim.lr_scheduler.StepLR(opt, o["scheduler_step_epochs"], o["scheduler_gamma"])
        else:
            sched = torch.optim.lr_scheduler.ReduceLROnPlateau(
                opt, mode="min", factor=o["scheduler_gamma"], patience=o["scheduler_step_epochs"]
            )
            return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "monitor": "val_loss"}}
        return {"optimizer": opt, "lr_scheduler": sched}


def model_kwargs(cfg: Config, n_channels: int, sfreq: float, rows_per_channel: int = 1) -> dict:
    """Network keyword arguments from ``cfg.model`` and the data.

    Parameters
    ----------
    cfg : Config
        The run configuration: every field of ``cfg.model`` but ``name`` and ``init`` (sequences
        as lists), and ``cfg.data.step_s`` (seconds).
    n_channels : int
        Montage channels (22 for TCP), not rows of the cache.
    sfreq : float
        Rate of the cached rows in Hz (frames per second for LFCC).
    rows_per_channel : int
        Feature rows per channel in the cache (1 for signals, 26 for the paper's LFCC).

    Returns
    -------
    dict
        Keyword arguments of ``seizure.models.build_model``, with ``n_channels``, ``sfreq``,
        ``step_s`` and ``n_features`` (= ``rows_per_channel``) added.
    """
    kw = {k: v for k, v in dataclasses.asdict(cfg.model).items() if k not in ("name", "init")}
    for key in ("conv_channels", "conv2d_channels", "conv2d_kernel"):
        kw[key] = list(kw[key])
    kw.update(n_channels=int(n_channels), sfreq=float(sfreq), step_s=cfg.data.step_s, n_features=int(rows_per_channel))
    return kw


def build_module(
    cfg: Config, n_channels: int, sfreq: float, pos_weight: float, rows_per_channel: int = 1
) -> SeizureModule:
    """The LightningModule of a run: network, initialization, loss, penalties, optimizer from ``cfg``.

    Call after seeding (``L.seed_everything``): the initialization draws from the global RNG.
    ``init.chrono_max_steps = 0`` becomes the window length in steps.

    Parameters
    ----------
    cfg : Config
        The run configuration: ``model`` (network and its ``init``), ``train`` (learning rate,
        weight decay, loss, regularization, optimizer and scheduler) and ``data.window_s``,
        ``data.step_s`` (seconds).
    n_channels : int
        Montage channels (22 for TCP), not rows of the cache.
    sfreq : float
        Rate of the cached rows in Hz (frames per second for LFCC).
    pos_weight : float
        Weight of seizure steps in the loss.
    rows_per_channel : int
        Feature rows per channel in the cache (1 for signals, 26 for the paper's LFCC).

    Returns
    -------
    SeizureModule
    """
    init = dataclasses.asdict(cfg.model.init)
    if init["chrono_max_steps"] <= 0:
        init["chrono_max_steps"] = float(round(cfg.data.window_s / cfg.data.step_s))
    t = cfg.train
    optim = {
        "optimizer": t.optimizer, "momentum": t.momentum, "scheduler": t.scheduler,
        "scheduler_step_epochs": t.scheduler_step_epochs, "scheduler_gamma": t.scheduler_gamma,
    }  # fmt: skip
    return SeizureModule(
        cfg.model.name,
        model_kwargs(cfg, n_channels, sfreq, rows_per_channel),
        lr=t.lr,
        weight_decay=t.weight_decay,
        pos_weight=pos_weight,
        init=init,
        loss=dataclasses.asdict(t.loss),
        regularization=dataclasses.asdict(t.regularization),
        optim=optim,
    )
