"""Torch datasets and the Lightning data module over cached windows."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator

import lightning as L
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset
from torch.utils.data.distributed import DistributedSampler

from seizure._validation import ParameterError, check_int, check_range
from seizure.cache import CachedRecording
from seizure.windows import WindowIndex, build_windows, sampling_weights

__all__ = ["WindowDataset", "EpochSampler", "SeizureDataModule", "epoch_seed"]

logger = logging.getLogger("seizure")


class WindowDataset(Dataset):
    """Items are ``(x, y)``: x float32 (C, n_steps * samples_per_step), y float32 (n_steps,).

    Parameters
    ----------
    index : WindowIndex
        The windows (item ``i`` is ``index.window(i)``, copied out of the memory-mapped signals
        as tensors; C is the number of cached rows, y the 0/1 per-step labels).
    """

    def __init__(self, index: WindowIndex) -> None:
        self.index = index

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, i: int):
        x, y = self.index.window(i)
        return torch.from_numpy(np.array(x, dtype=np.float32)), torch.from_numpy(y.astype(np.float32))


def epoch_seed(seed: int, epoch: int) -> int:
    """Seed of the draws of one epoch: a function of ``(seed, epoch)`` only, in [0, 2**63).

    Distinct pairs give unrelated seeds (``numpy.random.SeedSequence``), unlike ``seed + epoch``
    where seed 1, epoch 0 would repeat seed 0, epoch 1.

    Parameters
    ----------
    seed : int
        The run's sampler seed, >= 0.
    epoch : int
        Epoch number, >= 0 (Lightning counts from 0).

    Returns
    -------
    int

    Raises
    ------
    ParameterError
        For a negative or non-integer ``seed`` or ``epoch``.
    """
    check_int(seed, "seed", low=0)
    check_int(epoch, "epoch", low=0)
    return int(np.random.SeedSequence((int(seed), int(epoch))).generate_state(1, np.uint64)[0] >> np.uint64(1))


class EpochSampler(DistributedSampler):
    """Training indices of one epoch drawn from ``(seed, epoch)`` alone, split among ranks.

    The epoch-wide draw is ``n`` indices: a random permutation of ``range(n)`` (``weights`` None,
    as ``DataLoader(shuffle=True)``), or ``n`` draws with replacement with probabilities
    proportional to ``weights`` (as ``WeightedRandomSampler(weights, n, replacement=True)``).
    It is padded to a multiple of ``world_size`` (further draws with replacement; for the
    permutation, its first indices again, as ``DistributedSampler`` does) and rank ``r`` takes
    positions ``r, r + world_size, ...``: every rank the same number of indices, and the ranks
    together exactly the epoch-wide draw plus at most ``world_size - 1`` padding indices.

    Lightning calls :meth:`set_epoch` with the epoch number before each training epoch, and
    restores that number when a run resumes from a checkpoint, so a resumed run draws what the
    uninterrupted run would have. As a ``DistributedSampler``, Lightning does not replace it by
    its own under DDP.

    Parameters
    ----------
    n : int
        Epoch length before padding (the number of training windows), >= 1.
    weights : array-like of float, shape (n,), optional
        Non-negative drawing weights with a positive sum (they need not sum to 1).
    seed : int
        >= 0.
    rank, world_size : int
        This process's rank in [0, world_size) and the number of processes, >= 1.

    Raises
    ------
    ParameterError
        For an argument out of range or weights of the wrong shape, negative, non-finite or all 0.
    """

    def __init__(self, n: int, weights=None, seed: int = 0, rank: int = 0, world_size: int = 1) -> None:
        check_int(n, "n", low=1)
        check_int(seed, "seed", low=0)
        check_int(world_size, "world_size", low=1)
        check_int(rank, "rank", low=0, high=world_size - 1)
        if weights is not None:
            w = np.asarray(weights, dtype=np.float64)
            if w.shape != (n,):
                raise ParameterError(f"weights: expected shape ({n},), got {w.shape}")
            if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
                raise ParameterError("weights: expected finite values >= 0 with a positive sum")
            weights = torch.as_tensor(w, dtype=torch.double)
        super().__init__(range(n), num_replicas=world_size, rank=rank, shuffle=True, seed=seed, drop_last=False)
        self.n = n
        self.weights = weights
        self.num_samples = math.ceil(n / world_size)
        self.total_size = self.num_samples * world_size

    def epoch_indices(self, epoch: int | None = None) -> torch.Tensor:
        """The epoch-wide draw (all ranks, padding included), shape (total_size,), int64.

        Parameters
        ----------
        epoch : int, optional
            The epoch to draw; default the one last given to :meth:`set_epoch` (0 before any).

        Returns
        -------
        Tensor, shape (total_size,)
            Window indices in ``[0, n)``; ``total_size`` is ``n`` rounded up to a multiple of
            ``world_size``.
        """
        epoch = self.epoch if epoch is None else epoch
        gen = torch.Generator().manual_seed(epoch_seed(self.seed, epoch))
        pad = self.total_size - self.n
        if self.weights is None:
            order = torch.randperm(self.n, generator=gen)
            if pad:
                order = torch.cat([order, order.repeat(math.ceil(pad / self.n))[:pad]])
            return order
        order = torch.multinomial(self.weights, self.n, replacement=True, generator=gen)
        if pad:
            order = torch.cat([order, torch.multinomial(self.weights, pad, replacement=True, generator=gen)])
        return order

    def __iter__(self) -> Iterator[int]:
        return iter(self.epoch_indices()[self.rank :: self.num_replicas].tolist())

    def __len__(self) -> int:
        return self.num_samples


class SeizureDataModule(L.LightningDataModule):
    """Train/dev windows from prepared recordings; splits come from the corpus (patient-wise).

    Parameters
    ----------
    train, dev : list of CachedRecording
        Training and dev recordings of the prepared cache.
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
        a warning), loader worker processes (>= 0) and the sampler seed (>= 0).

    Notes
    -----
    The training windows of epoch ``e`` depend on ``(seed, e)`` only (:class:`EpochSampler`), so
    a run resumed from the checkpoint of an epoch draws what the uninterrupted run would have.
    Under DDP each rank takes its share of the same epoch-wide draw (rank and world size come
    from the attached trainer).

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
        check_int(seed, "seed", low=0)
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

    def train_sampler(self, rank: int = 0, world_size: int = 1) -> EpochSampler:
        """The training sampler: weighted draws with replacement when classes or patients are
        balanced (``sampling_weights``), else a shuffle; one epoch is as long as the training windows.

        Classes are balanced when ``seizure_oversample`` > 0 and the training windows hold both
        seizure and seizure-free windows.

        Parameters
        ----------
        rank : int
            This process's global rank, in ``[0, world_size)``.
        world_size : int
            Number of training processes (1 without DDP).

        Returns
        -------
        EpochSampler
        """
        has = self.train_index.has_seizure()
        balance_class = self.seizure_oversample > 0 and 0 < has.sum() < len(has)
        weights = None
        if balance_class or self.patient_balance:
            weights = sampling_weights(self.train_index, self.seizure_oversample if balance_class else 0.0,
                                       self.patient_balance)  # fmt: skip
        return EpochSampler(len(self.train_index), weights, self.seed, rank, world_size)

    def train_dataloader(self) -> DataLoader:
        """The training loader: batches of ``batch_size`` training windows in the order of
        :meth:`train_sampler`, for the rank and world size of the attached trainer (0 and 1 without
        one).

        Returns
        -------
        DataLoader
            Batches ``(x, y)``: x float32 (batch, C, n_steps * samples_per_step), y float32
            (batch, n_steps).
        """
        trainer = self.trainer
        rank, world_size = (trainer.global_rank, trainer.world_size) if trainer is not None else (0, 1)
        sampler = self.train_sampler(rank, world_size)
        return DataLoader(WindowDataset(self.train_index), batch_size=self.batch_size, sampler=sampler,
                          num_workers=self.num_workers)  # fmt: skip

    def val_dataloader(self) -> DataLoader:
        """The validation loader: the dev windows (abutting, stride ``window_s``), unshuffled, in
        batches of ``batch_size``.

        Returns
        -------
        DataLoader
            Batches ``(x, y)`` shaped as those of :meth:`train_dataloader`.
        """
        return DataLoader(WindowDataset(self.dev_index), batch_size=self.batch_size, num_workers=self.num_workers)
