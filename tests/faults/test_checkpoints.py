"""A full disk while a checkpoint is written leaves the previous checkpoint whole and readable.

Before: the checkpoint being written when the disk filled was left truncated."""

from __future__ import annotations

import errno

import lightning as L
import pytest
import torch
from lightning.pytorch.callbacks import ModelCheckpoint
from torch.utils.data import DataLoader, TensorDataset

from seizure import storage
from seizure.training.checkpoint_io import AtomicCheckpointIO


class _Tiny(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(64, 64)

    def training_step(self, batch, batch_idx):
        return self.lin(batch[0]).pow(2).mean()

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.01)


def _fit(tmp_path, epochs):
    data = DataLoader(TensorDataset(torch.randn(32, 64)), batch_size=8)
    trainer = L.Trainer(max_epochs=epochs, logger=False, enable_progress_bar=False, enable_model_summary=False,
                        plugins=[AtomicCheckpointIO()], callbacks=[ModelCheckpoint(dirpath=tmp_path, save_last=True)])  # fmt: skip
    trainer.fit(_Tiny(), data)


@pytest.mark.filterwarnings("ignore:Checkpoint directory .* exists and is not empty")  # the second fit reuses it
def test_disk_full_during_a_checkpoint_keeps_the_previous_one(tmp_path, monkeypatch):
    _fit(tmp_path, 1)  # epoch 0: epoch checkpoint and last.ckpt written
    before = torch.load(tmp_path / "last.ckpt", map_location="cpu", weights_only=False)
    assert before["epoch"] == 0

    def full(fd, offset, size):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(storage.os, "posix_fallocate", full)
    with pytest.raises(OSError, match=r"no space left on device: .* needed for this file") as info:
        _fit(tmp_path, 2)
    assert info.value.errno == errno.ENOSPC and info.value.filename.endswith(".ckpt")
    after = torch.load(tmp_path / "last.ckpt", map_location="cpu", weights_only=False)  # whole, and the old one
    assert after["epoch"] == 0 and after["global_step"] == before["global_step"]
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # no partial file left


def test_checkpoints_round_trip(tmp_path):
    _fit(tmp_path, 2)
    ckpt = torch.load(tmp_path / "last.ckpt", map_location="cpu", weights_only=False)
    assert ckpt["epoch"] == 1 and "state_dict" in ckpt


class _Wide(_Tiny):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(256, 256)  # with Adam's moments a checkpoint is about 0.8 MB

    def training_step(self, batch, batch_idx):
        return self.lin(torch.randn(8, 256)).pow(2).mean()

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=0.01)


def test_real_full_disk_leaves_only_readable_checkpoints(tmp_path):
    """On a 1 MiB tmpfs, Lightning's default writer left last.ckpt truncated (249,856 bytes, unreadable)."""
    import subprocess

    folder = tmp_path / "full"
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)], capture_output=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        trainer = L.Trainer(max_epochs=3, logger=False, enable_progress_bar=False, enable_model_summary=False,
                            plugins=[AtomicCheckpointIO()], callbacks=[ModelCheckpoint(dirpath=folder, save_last=True)])  # fmt: skip
        data = DataLoader(TensorDataset(torch.randn(16, 256)), batch_size=8)
        with pytest.raises(OSError, match="no space left on device"):
            trainer.fit(_Wide(), data)
        files = sorted(folder.iterdir())
        assert files and not [p.name for p in files if p.name.endswith(".tmp")]
        for p in files:  # whatever is there is whole
            torch.load(p, map_location="cpu", weights_only=False)
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)
