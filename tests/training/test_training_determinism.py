"""Global random states in checkpoints: capture, restore, torch.load(weights_only=True), Lightning hooks."""

import io
import logging
import random

import lightning as L
import numpy as np
import pytest
import torch
from lightning.pytorch.callbacks import ModelCheckpoint
from torch.utils.data import DataLoader, TensorDataset

from seizure._validation import SeizureError
from seizure.config import load_config
from seizure.training.determinism import (
    RNG_KEY,
    CheckpointStateError,
    load_rng_states,
    rng_states,
    save_rng_states,
    set_rng_states,
)
from seizure.training.module import build_module


def _draw():
    return random.random(), float(np.random.normal()), np.random.randint(0, 10**9), torch.rand(3).tolist()


def test_restored_states_repeat_the_draws_of_every_generator():
    random.seed(1)
    np.random.seed(2)
    torch.manual_seed(3)
    _draw()
    np.random.normal()  # leaves a cached gaussian in numpy's state
    states = rng_states()
    first = _draw()
    _draw()
    set_rng_states(states)
    assert _draw() == first


def test_states_survive_torch_save_and_weights_only_load():
    torch.manual_seed(4)
    ckpt = {"state_dict": {}}
    save_rng_states(ckpt)
    first = _draw()
    buf = io.BytesIO()
    torch.save(ckpt, buf)
    buf.seek(0)
    loaded = torch.load(buf, weights_only=True)  # torch's default for Lightning checkpoints
    assert load_rng_states(loaded, rank=0) is True
    assert _draw() == first


def test_missing_or_malformed_states(caplog):
    with caplog.at_level(logging.WARNING, logger="seizure"):
        assert load_rng_states({}, source="old.ckpt") is False
        assert load_rng_states({RNG_KEY: [rng_states()]}, rank=1, source="one-rank.ckpt") is False
    assert "old.ckpt holds no random states" in caplog.text
    assert "one-rank.ckpt holds random states of 1 rank(s), none for rank 1" in caplog.text
    states = rng_states()
    del states["numpy"]
    missing = r"x\.ckpt: seizure_rng_states: expected the parts .* missing \['numpy'\]"
    with pytest.raises(CheckpointStateError, match=missing):
        load_rng_states({RNG_KEY: [states]}, source="x.ckpt")
    with pytest.raises(SeizureError, match="x.ckpt: seizure_rng_states: expected a list of random states by rank"):
        load_rng_states({RNG_KEY: "nonsense"}, source="x.ckpt")
    bad = rng_states()
    bad["torch"] = torch.zeros(3, dtype=torch.uint8)
    with pytest.raises(CheckpointStateError, match="x.ckpt: seizure_rng_states: cannot restore a random state"):
        set_rng_states(bad, "x.ckpt")


def _module():
    cfg = load_config(overrides=["model.conv_channels=[4,8]", "model.hidden_size=6", "data.window_s=8",
                                 "model.dropout=0.5", "train.scheduler=none"])  # fmt: skip
    torch.manual_seed(0)
    return build_module(cfg, n_channels=3, sfreq=10.0, pos_weight=1.0)


def _loader():
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(12, 3, 80, generator=g), (torch.rand(12, 8, generator=g) > 0.7).float()
    return DataLoader(TensorDataset(x, y), batch_size=4)


@pytest.mark.filterwarnings("ignore:You defined a `validation_step` but have no `val_dataloader`")  # train loop only
@pytest.mark.filterwarnings(
    "ignore:Checkpoint directory .* exists and is not empty"
)  # the resume reuses run b's folder
def test_lightning_checkpoint_carries_and_restores_the_states(tmp_path):
    """The torch state at every batch of epoch 1 is the same uninterrupted and resumed from epoch 0."""

    class Probe(L.Callback):
        def __init__(self):
            self.draws = {}

        def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
            self.draws[trainer.current_epoch, batch_idx] = torch.get_rng_state().clone()

    def trainer(epochs, probe, name):
        return L.Trainer(max_epochs=epochs, logger=False, enable_progress_bar=False, enable_model_summary=False,
                         callbacks=[probe, ModelCheckpoint(dirpath=tmp_path / name, save_last=True)])  # fmt: skip

    torch.manual_seed(11)
    through = Probe()
    trainer(2, through, "a").fit(_module(), _loader())  # epochs 0 and 1
    ckpt = torch.load(tmp_path / "a" / "last.ckpt", weights_only=True)
    assert len(ckpt[RNG_KEY]) == 1 and set(ckpt[RNG_KEY][0]) == {"python", "numpy", "torch", "torch.cuda"}

    torch.manual_seed(11)
    first = Probe()
    trainer(1, first, "b").fit(_module(), _loader())  # epoch 0 only: last.ckpt of epoch 0
    assert all(torch.equal(first.draws[k], through.draws[k]) for k in first.draws)
    torch.manual_seed(999)  # a fresh process: another state
    resumed = Probe()
    trainer(2, resumed, "b").fit(_module(), _loader(), ckpt_path=tmp_path / "b" / "last.ckpt")
    assert list(resumed.draws) == [(1, 0), (1, 1), (1, 2)]
    assert all(torch.equal(resumed.draws[k], through.draws[k]) for k in resumed.draws)


def test_loading_weights_outside_a_fit_leaves_the_process_state_alone(tmp_path):
    m = _module()
    ckpt = {}
    torch.manual_seed(5)
    save_rng_states(ckpt)
    torch.manual_seed(6)
    expected = torch.get_rng_state().clone()
    m.on_load_checkpoint(ckpt)
    assert torch.equal(torch.get_rng_state(), expected)


def _rank_process(rank, world_size, port, out_dir):
    import torch.distributed as dist

    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world_size)
    try:
        torch.manual_seed(100 + rank)
        ckpt = {}
        save_rng_states(ckpt)  # every rank calls it, as Lightning's dump_checkpoint does
        after = torch.rand(4)
        torch.manual_seed(0)  # another process state
        restored = load_rng_states(ckpt, rank)
        torch.save({"n": len(ckpt[RNG_KEY]), "restored": restored, "after": after, "again": torch.rand(4)},
                   f"{out_dir}/rank{rank}.pt")  # fmt: skip
    finally:
        dist.destroy_process_group()


def test_ddp_ranks_keep_their_own_states(tmp_path):
    import socket

    import torch.multiprocessing as mp

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    mp.spawn(_rank_process, args=(2, port, str(tmp_path)), nprocs=2, join=True)
    r0, r1 = (torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in (0, 1))
    assert r0["n"] == r1["n"] == 2 and r0["restored"] and r1["restored"]
    assert torch.equal(r0["after"], r0["again"]) and torch.equal(r1["after"], r1["again"])
    assert not torch.equal(r0["again"], r1["again"])
