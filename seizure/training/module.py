"""LightningModule: a registered network trained with weighted BCE on per-step labels."""

from __future__ import annotations

import lightning as L
import torch
from torch import nn
from torchmetrics.classification import BinaryAUROC, BinaryAveragePrecision

from seizure.models import build_model

__all__ = ["SeizureModule"]


class SeizureModule(L.LightningModule):
    """Trains ``build_model(model_name, **model_kwargs)`` on (B, C, T) windows with (B, S) labels.

    Logged per epoch: ``train_loss``, ``val_loss``, ``val_auroc``, ``val_ap`` (step level).
    """

    def __init__(
        self,
        model_name: str,
        model_kwargs: dict,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        pos_weight: float = 1.0,
    ) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.net = build_model(model_name, **model_kwargs)
        self.loss_fn = nn.BCEWithLogitsLoss(pos_weight=torch.tensor(float(pos_weight)))
        self.val_auroc = BinaryAUROC()
        self.val_ap = BinaryAveragePrecision()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def _loss(self, batch):
        x, y = batch
        logits = self.net(x)
        y = y[:, : logits.shape[1]]
        return self.loss_fn(logits, y), logits, y

    def training_step(self, batch, batch_idx):
        loss, _, _ = self._loss(batch)
        self.log("train_loss", loss, on_step=False, on_epoch=True, prog_bar=True)
        return loss

    def validation_step(self, batch, batch_idx):
        loss, logits, y = self._loss(batch)
        probs = torch.sigmoid(logits).flatten()
        target = y.flatten().long()
        self.val_auroc.update(probs, target)
        self.val_ap.update(probs, target)
        self.log("val_loss", loss, on_step=False, on_epoch=True, prog_bar=True)

    def on_validation_epoch_end(self) -> None:
        self.log("val_auroc", self.val_auroc.compute(), prog_bar=True)
        self.log("val_ap", self.val_ap.compute())
        self.val_auroc.reset()
        self.val_ap.reset()

    def configure_optimizers(self):
        opt = torch.optim.AdamW(self.parameters(), lr=self.hparams.lr, weight_decay=self.hparams.weight_decay)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, self.trainer.max_epochs))
        return {"optimizer": opt, "lr_scheduler": sched}
