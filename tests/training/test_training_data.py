"""The training data module: argument checks and the epoch-keyed sampler (resume, DDP shares)."""

import logging
from pathlib import Path
from types import SimpleNamespace

import lightning as L
import numpy as np
import pytest
import torch

from seizure._validation import ParameterError, SeizureError
from seizure.cache import CachedRecording
from seizure.training.data import EpochSampler, SeizureDataModule
from seizure.windows import sampling_weights


def entry(subject, seconds, sfreq=10.0):
    n = int(seconds * sfreq)
    meta = {"key": f"m/{subject}", "subject": subject, "sfreq": sfreq, "duration_s": float(seconds),
            "seizures": [[2.0, 6.0]], "present": [True] * 22}  # fmt: skip
    return CachedRecording(Path("."), meta, np.zeros((22, n), dtype=np.float32))


def test_window_longer_than_every_recording_names_the_key():
    train = [entry("a", 30), entry("b", 45)]
    with pytest.raises(SeizureError) as exc:
        SeizureDataModule(train, [entry("d", 60)], 50.0, 5.0, 1.0)
    assert str(exc.value) == (
        "data.window_s: expected a window no longer than the longest training recording (45 s), got 50 s"
    )
    dm = SeizureDataModule(train, [entry("d", 60)], 45.0, 5.0, 1.0)  # exactly the longest: one window
    assert len(dm.train_index) == 1


@pytest.mark.parametrize("kwargs, message", [
    (dict(batch_size=0), "batch_size: expected an integer >= 1, got 0"),
    (dict(batch_size=2.0), "batch_size: expected an integer >= 1, got 2.0"),
    (dict(num_workers=-1), "num_workers: expected an integer >= 0, got -1"),
    (dict(seizure_oversample=1.0), "seizure_oversample: expected a finite number in [0, 1), got 1.0"),
    (dict(window_s=float("nan")), "window_s: expected a finite number > 0, got nan"),
    (dict(step_s=0.0), "step_s: expected a finite number > 0, got 0.0"),
])  # fmt: skip
def test_arguments_out_of_range(kwargs, message):
    args = {"window_s": 10.0, "stride_s": 5.0, "step_s": 1.0, **kwargs}
    with pytest.raises(ParameterError) as exc:
        SeizureDataModule([entry("a", 60)], [entry("d", 60)], **args)
    assert str(exc.value) == message


def test_batch_larger_than_the_windows_is_one_batch(caplog):
    with caplog.at_level(logging.WARNING, logger="seizure"):
        dm = SeizureDataModule([entry("a", 30)], [entry("d", 30)], 10.0, 5.0, 1.0, batch_size=64)
    assert "batch_size 64 is larger than the 5 training windows" in caplog.text
    batches = list(dm.train_dataloader())
    assert len(batches) == 1 and batches[0][0].shape[0] == 5


# --- the epoch-keyed training sampler ---


def _draws(sampler, epoch):
    sampler.set_epoch(epoch)
    return list(sampler)


@pytest.mark.parametrize("weighted", [False, True])
def test_epoch_draws_depend_on_seed_and_epoch_only(weighted):
    n = 50
    w = np.linspace(1.0, 2.0, n) if weighted else None
    a = EpochSampler(n, w, seed=7)
    history = [_draws(a, e) for e in range(3)]
    b = EpochSampler(n, w, seed=7)
    assert _draws(b, 2) == history[2]  # a fresh sampler at epoch 2: what the run drew there
    assert _draws(b, 0) == history[0] and _draws(b, 0) == history[0]  # no state carried between epochs
    assert history[0] != history[1] != history[2]
    assert _draws(EpochSampler(n, w, seed=8), 2) != history[2]
    assert all(len(h) == n == len(a) for h in history)
    if not weighted:
        assert all(sorted(h) == list(range(n)) for h in history)  # a permutation, as shuffle=True
    # the (seed, epoch) pairs (0, 1) and (1, 0) do not give the same draws
    assert _draws(EpochSampler(n, w, seed=0), 1) != _draws(EpochSampler(n, w, seed=1), 0)


def test_weighted_draws_follow_the_weights_with_replacement():
    n = 4000
    w = np.ones(n)
    w[:1000] = 3.0
    w[-500:] = 0.0  # never drawn
    share = 3000 / (3000 + 2500)  # expected share of the first 1000 windows
    idx = np.array(_draws(EpochSampler(n, w, seed=1), 0))
    assert len(idx) == n
    assert abs((idx < 1000).mean() - share) < 0.03
    assert (idx < n - 500).all()
    assert len(np.unique(idx)) < n  # with replacement


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("n", [40, 41])
def test_ranks_share_one_epoch_wide_draw(weighted, n):
    w = np.linspace(1.0, 3.0, n) if weighted else None
    single = _draws(EpochSampler(n, w, seed=3), 4)
    ranks = [_draws(EpochSampler(n, w, seed=3, rank=r, world_size=2), 4) for r in (0, 1)]
    assert len(ranks[0]) == len(ranks[1]) == -(-n // 2)
    joined = [i for pair in zip(*ranks) for i in pair]  # rank r holds positions r, r + 2, ...
    assert joined[:n] == single
    assert len(joined) - n == n % 2  # one padding index for an odd epoch
    if not weighted:
        assert set(ranks[0]).isdisjoint(ranks[1]) == (n % 2 == 0)
        assert sorted(set(joined)) == list(range(n))
        if n % 2:
            assert joined[-1] == single[0]  # padding repeats the start, as DistributedSampler does


def test_sampler_arguments_are_checked():
    with pytest.raises(ParameterError, match=r"rank: expected an integer in \[0, 1\], got 2"):
        EpochSampler(10, rank=2, world_size=2)
    with pytest.raises(ParameterError, match=r"weights: expected shape \(10,\), got \(9,\)"):
        EpochSampler(10, np.ones(9))
    with pytest.raises(ParameterError, match="weights: expected finite values >= 0 with a positive sum"):
        EpochSampler(3, [1.0, -1.0, 1.0])
    with pytest.raises(ParameterError, match="weights: expected finite values >= 0 with a positive sum"):
        EpochSampler(3, [0.0, 0.0, 0.0])
    with pytest.raises(ParameterError, match="n: expected an integer >= 1, got 0"):
        EpochSampler(0)
    with pytest.raises(ParameterError, match="seed: expected an integer >= 0, got -1"):
        SeizureDataModule([entry("a", 60)], [entry("d", 60)], 10.0, 5.0, 1.0, seed=-1)


def _balanced_module(**kwargs):
    train = [entry("a", 60), entry("b", 90)]  # a seizure at 2-6 s in each: few seizure windows
    return SeizureDataModule(train, [entry("d", 60)], 10.0, 2.0, 1.0, seed=5, **kwargs)


@pytest.mark.parametrize("oversample, balance, weighted", [(0.0, False, False), (0.5, False, True),
                                                           (0.0, True, True)])  # fmt: skip
def test_data_module_sampler_matches_its_options(oversample, balance, weighted):
    dm = _balanced_module(seizure_oversample=oversample, patient_balance=balance)
    s = dm.train_sampler()
    assert len(s) == len(dm.train_index) and (s.weights is not None) == weighted
    if weighted:
        expected = sampling_weights(dm.train_index, oversample, balance)
        np.testing.assert_allclose(s.weights.numpy(), expected)
        assert s.weights.dtype == torch.float64


def test_data_module_loader_gives_each_rank_its_share():
    dm = _balanced_module(seizure_oversample=0.0, batch_size=3)
    n = len(dm.train_index)
    loaders = []
    for rank in (0, 1):
        dm.trainer = SimpleNamespace(global_rank=rank, world_size=2)
        loaders.append(dm.train_dataloader())
    dm.trainer = None
    shares = [list(dl.sampler) for dl in loaders]
    assert all(isinstance(dl.sampler, EpochSampler) for dl in loaders)
    assert len(shares[0]) == len(shares[1]) == -(-n // 2)
    assert sorted(set(shares[0]) | set(shares[1])) == list(range(n))
    assert sum(len(b[0]) for b in loaders[0]) == len(shares[0])


class _Counting(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(1))

    def training_step(self, batch, batch_idx):
        return (self.w - batch[1].mean()) ** 2

    def validation_step(self, batch, batch_idx):
        return None

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


def test_lightning_sets_the_epoch_of_the_sampler(monkeypatch):
    epochs = []
    set_epoch = EpochSampler.set_epoch
    monkeypatch.setattr(EpochSampler, "set_epoch", lambda self, e: (epochs.append(e), set_epoch(self, e))[1])
    dm = _balanced_module(seizure_oversample=0.5, batch_size=8)
    trainer = L.Trainer(max_epochs=3, logger=False, enable_checkpointing=False, enable_progress_bar=False,
                        enable_model_summary=False, limit_val_batches=0)  # fmt: skip
    trainer.fit(_Counting(), datamodule=dm)
    assert epochs == [0, 1, 2]
