"""Torch datasets and the Lightning data module over cached windows."""

from __future__ import annotations

import logging

import lightning as L
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, WeightedRandomSampler

from seizure._validation import ParameterError, check_int, check_range
from seizure.cache import CachedRecording
from seizure.windows import WindowIndex, build_windows, sampling_weights

__all__ = ["WindowDataset", "SeizureDataModule"]

logger = logging.getLogger("seizure")


class WindowDataset(Dataset):
    """Items are ``(x, y)``: x float32 (C, n_steps * samples_per_step), y float32 (n_steps,)."""

    def __init__(self, index: WindowIndex) -> None:
        self.index = index

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, i: int):
        x, y = self.index.window(i)
        return torch.from_numpy(np.array(x, dtype=np.float32)), torch.from_numpy(y.astype(np.float32))


class SeizureDataModule(L.LightningDataModule):
    """Train/dev windows from prepared recordings; splits come from the corpus (patient-wise).

    Parameters
    ----------
    train, dev : list of CachedRecording
    window_s, stride_s, step_s : float
        Seconds (dev windows use ``stride_s = window_s``).
    label_rule : {"any", "majority", "centre"}
        Per-step label rule.
    seizure_oversample : float
        Target share of seizure-containing windows per training epoch, drawn by a weighted sampler
        (0 disables class balancing; the epoch keeps the number of training windows).
    patient_balance : bool
        Also give every patient the same share of the draws (within each class), so patients
        with many hours do not dominate an epoch.
    batch_size, num_workers, seed : int
        Windows per batch (>= 1; larger than the training windows is one batch per epoch, with
        a warning), loader worker processes (>= 0) and the sampler seed.

    Raises
    ------
    ParameterError
        For an argument out of range, or a window longer than every training recording.
    """

    def __init__(
        self,
        train: list[CachedRecording],
        dev: list[CachedRecording],
        window_s: float,
        stride_s: float,
        step_s: float,
        label_rule: str = "majority",
        batch_size: int = 32,
        seizure_oversample: float = 0.3,
        num_workers: int = 0,
        seed: int = 0,
        patient_balance: bool = False,
    ) -> None:
        super().__init__()
        for name, value in (("window_s", window_s), ("stride_s", stride_s), ("step_s", step_s)):
            check_range(value, name, low=0, low_inclusive=False)
        check_int(batch_size, "batch_size", low=1)
        check_range(seizure_oversample, "seizure_oversample", low=0, high=1, high_inclusive=False)
        check_int(num_workers, "num_workers", low=0)
        self.train_index = build_windows(train, window_s, stride_s, step_s, label_rule)
        if len(self.train_index) == 0:
            longest = max(min(e.duration, e.signals.shape[1] / e.sfreq) for e in train)
            raise ParameterError(f"data.window_s: expected a window no longer than the longest training recording "
                                 f"({longest:g} s), got {window_s:g} s")  # fmt: skip
        if batch_size > len(self.train_index):
            logger.warning("batch_size %d is larger than the %d training windows: one batch per epoch", batch_size,
                           len(self.train_index))  # fmt: skip
        self.dev_index = build_windows(dev, window_s, window_s, step_s, label_rule)
        self.batch_size = batch_size
        self.seizure_oversample = seizure_oversample
        self.num_workers = num_workers
        self.seed = seed
        self.patient_balance = patient_balance

    def positive_fraction(self) -> float:
        """Share of seizure steps among training steps."""
        labels = np.concatenate(self.train_index.labels)
        return float(labels.mean()) if labels.size else 0.0

    def train_dataloader(self) -> DataLoader:
        ds = WindowDataset(self.train_index)
        gen = torch.Generator().manual_seed(self.seed)
        has = self.train_index.has_seizure()
        balance_class = self.seizure_oversample > 0 and 0 < has.sum() < len(has)
        if balance_class or self.patient_balance:
            w = sampling_weights(self.train_index, self.seizure_oversample if balance_class else 0.0,
                                 self.patient_balance)  # fmt: skip
            sampler = WeightedRandomSampler(torch.as_tensor(w, dtype=torch.double), len(ds), replacement=True, generator=gen)
            return DataLoader(ds, batch_size=self.batch_size, sampler=sampler, num_workers=self.num_workers)
        return DataLoader(ds, batch_size=self.batch_size, shuffle=True, generator=gen, num_workers=self.num_workers)

    def val_dataloader(self) -> DataLoader:
        return DataLoader(WindowDataset(self.dev_index), batch_size=self.batch_size, num_workers=self.num_workers)
