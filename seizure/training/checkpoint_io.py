"""Checkpoints written so that a full disk or a crash never leaves a damaged one behind.

Lightning hands every checkpoint (each epoch's and ``last.ckpt``) to a ``CheckpointIO`` plugin.
:class:`AtomicCheckpointIO` serializes it in memory, reserves the space for it, writes it to a
temporary file beside the target, flushes it to disk and renames it into place: a reader (and
``seizure train --resume``) sees the previous checkpoint or the new one, never half of one. When
the disk is full the previous checkpoint stays, and the error names the file and the space needed.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import torch
from lightning.pytorch.plugins.io import TorchCheckpointIO

from seizure.storage import atomic_write_bytes

__all__ = ["AtomicCheckpointIO"]


class AtomicCheckpointIO(TorchCheckpointIO):
    """Lightning's torch checkpoint format, written atomically to local paths."""

    def save_checkpoint(self, checkpoint: dict[str, Any], path, storage_options: Any | None = None) -> None:
        """Write ``checkpoint`` to ``path`` through a temporary file, reserved space and a rename.

        Parameters
        ----------
        checkpoint : dict
            The state Lightning collected (model, optimizer, loops, callbacks).
        path : path-like
            Target file, e.g. ``<run>/checkpoints/last.ckpt``.
        storage_options : None
            Not supported (as in Lightning's ``TorchCheckpointIO``).

        Raises
        ------
        OSError
            ``ENOSPC`` naming the file, the bytes needed and free; the previous file is kept.
        """
        if storage_options is not None:
            raise TypeError("AtomicCheckpointIO.save_checkpoint takes no storage_options")
        buf = io.BytesIO()
        torch.save(checkpoint, buf)
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, buf.getbuffer(), reserve=True)
