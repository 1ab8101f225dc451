"""Global random state of a training process, saved in checkpoints and restored on resume.

Dropout, input noise and any augmentation draw from the global generators of Python's
``random``, numpy and torch (CPU and CUDA). A run resumed from the checkpoint of epoch ``k``
continues exactly as the uninterrupted run when those generators are put back as they were when
the checkpoint was written: :func:`save_rng_states` adds them to the checkpoint dict and
:func:`load_rng_states` restores them (``SeizureModule.on_save_checkpoint`` /
``on_load_checkpoint`` call both, so every Lightning checkpoint of a run carries them).

Under DDP every rank has its own generators; the states of all ranks are gathered into the
checkpoint (written by rank 0) and each rank takes back its own.
"""

from __future__ import annotations

import logging
import random

import numpy as np
import torch
import torch.distributed as dist

from seizure._validation import SeizureError

__all__ = ["RNG_KEY", "CheckpointStateError", "rng_states", "set_rng_states", "save_rng_states", "load_rng_states"]

logger = logging.getLogger("seizure")

#: Key of the per-rank random states in a Lightning checkpoint dict.
RNG_KEY = "seizure_rng_states"
_PARTS = ("python", "numpy", "torch", "torch.cuda")


class CheckpointStateError(SeizureError):
    """A checkpoint's saved random state is malformed."""


def rng_states() -> dict:
    """The current states of Python's ``random``, numpy's global generator, torch CPU and CUDA.

    Returns
    -------
    dict
        ``{"python": tuple, "numpy": dict, "torch": ByteTensor, "torch.cuda": [ByteTensor per device]}``
        (``torch.cuda`` is empty without CUDA). Only tuples, dicts, numbers, strings and tensors, so
        that ``torch.load(weights_only=True)`` (torch's default) reads a checkpoint holding them.
    """
    name, key, pos, has_gauss, cached = np.random.get_state()
    return {
        "python": random.getstate(),
        "numpy": {
            "bit_generator": str(name),
            "key": torch.from_numpy(np.asarray(key, dtype=np.int64)),
            "pos": int(pos),
            "has_gauss": int(has_gauss),
            "cached_gaussian": float(cached),
        },
        "torch": torch.get_rng_state(),
        "torch.cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }


def set_rng_states(states: dict, source: str = "checkpoint") -> None:
    """Put back states returned by :func:`rng_states`.

    CUDA states are restored for the devices present (a warning names a difference in the number
    of devices; draws on CUDA then differ from the saved run's).

    Parameters
    ----------
    states : dict
        As returned by :func:`rng_states`.
    source : str
        What the states come from, for error messages (e.g. the checkpoint path).

    Raises
    ------
    CheckpointStateError
        When a part is missing or cannot be restored.
    """
    if not isinstance(states, dict):
        raise CheckpointStateError(f"{source}: {RNG_KEY}: expected a mapping of random states, "
                                   f"got {type(states).__name__}")  # fmt: skip
    missing = [p for p in _PARTS if p not in states]
    if missing:
        raise CheckpointStateError(f"{source}: {RNG_KEY}: expected the parts {list(_PARTS)}, missing {missing}")
    try:
        version, internal, gauss = states["python"]
        random.setstate((version, tuple(internal), gauss))
        n = states["numpy"]
        key = np.asarray(torch.as_tensor(n["key"]).numpy(), dtype=np.uint32)
        np.random.set_state((n["bit_generator"], key, int(n["pos"]), int(n["has_gauss"]), float(n["cached_gaussian"])))
        torch.set_rng_state(torch.as_tensor(states["torch"], dtype=torch.uint8).cpu())
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise CheckpointStateError(f"{source}: {RNG_KEY}: cannot restore a random state: {exc}") from exc
    cuda = list(states["torch.cuda"])
    n_dev = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if len(cuda) != n_dev:
        logger.warning("%s: random states of %d CUDA devices saved, %d present: CUDA draws differ from the saved "
                       "run's", source, len(cuda), n_dev)  # fmt: skip
    for i, state in enumerate(cuda[:n_dev]):
        torch.cuda.set_rng_state(torch.as_tensor(state, dtype=torch.uint8).cpu(), i)


def _distributed() -> bool:
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def save_rng_states(checkpoint: dict) -> None:
    """Add the random states of every rank to a checkpoint dict (``checkpoint[RNG_KEY]``, a list by rank).

    Under DDP every rank must call it (Lightning calls ``on_save_checkpoint`` on all ranks).

    Parameters
    ----------
    checkpoint : dict
        The checkpoint dict being written; ``checkpoint[RNG_KEY]`` is set (replaced) to the list of
        :func:`rng_states` of every rank, in rank order.
    """
    own = rng_states()
    if _distributed():
        gathered: list = [None] * dist.get_world_size()
        dist.all_gather_object(gathered, own)
        checkpoint[RNG_KEY] = gathered
    else:
        checkpoint[RNG_KEY] = [own]


def load_rng_states(checkpoint: dict, rank: int = 0, source: str = "checkpoint") -> bool:
    """Restore this rank's random states from a checkpoint dict written with :func:`save_rng_states`.

    Parameters
    ----------
    checkpoint : dict
        The checkpoint dict read back.
    rank : int
        Global rank of this process.
    source : str
        What the checkpoint is, for messages.

    Returns
    -------
    bool
        True when restored; False (with a warning) for a checkpoint without random states or
        without this rank's (written by an older version, or by fewer processes).
    """
    saved = checkpoint.get(RNG_KEY)
    if saved is None:
        logger.warning("%s holds no random states: a resumed run may differ from an uninterrupted one", source)
        return False
    if not isinstance(saved, (list, tuple)):
        raise CheckpointStateError(f"{source}: {RNG_KEY}: expected a list of random states by rank, "
                                   f"got {type(saved).__name__}")  # fmt: skip
    if rank >= len(saved):
        logger.warning("%s holds random states of %d rank(s), none for rank %d: a resumed run may differ from an "
                       "uninterrupted one", source, len(saved), rank)  # fmt: skip
        return False
    set_rng_states(saved[rank], source)
    return True
