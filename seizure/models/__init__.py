"""Model registry: ``build_model(name, **kwargs)`` returns a plain ``nn.Module``.

Every registered network takes the signal arguments first (``n_channels, sfreq, step_s``), maps
a (B, rows, T) window to (B, S) per-step logits and documents its stage shapes. Initializations
are in ``seizure.models.init``, regularizers in ``seizure.models.regularization``.
"""

from __future__ import annotations

from typing import Callable

from torch import nn

from seizure.models.cnn_rnn import CnnRnn

__all__ = ["REGISTRY", "build_model", "CnnRnn"]

REGISTRY: dict[str, Callable[..., nn.Module]] = {"cnn_rnn": CnnRnn}


def build_model(name: str, **kwargs) -> nn.Module:
    """Build a registered network from its name and keyword arguments."""
    try:
        cls = REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; registered: {sorted(REGISTRY)}") from None
    return cls(**kwargs)
