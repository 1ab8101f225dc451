"""Model registry: ``build_model(name, **kwargs)`` returns a plain ``nn.Module``.

Every registered network takes the signal arguments first (``n_channels, sfreq, step_s``), maps
a (B, rows, T) window to (B, S) per-step logits and documents its stage shapes. Initializations
are in ``seizure.models.init``, regularizers in ``seizure.models.regularization``.
"""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

from seizure._validation import check_option
from seizure.models.cnn_rnn import CnnRnn
from seizure.models.rnn import CELLS

__all__ = ["REGISTRY", "MODEL_NAMES", "RNN_TYPES", "build_model", "CnnRnn"]

REGISTRY: dict[str, Callable[..., nn.Module]] = {"cnn_rnn": CnnRnn}
#: Names ``build_model`` accepts (``model.name``).
MODEL_NAMES = tuple(REGISTRY)
#: Recurrent layer types (``model.rnn``), the cells of ``seizure.models.rnn``.
RNN_TYPES = tuple(CELLS)


def build_model(name: str, **kwargs) -> nn.Module:
    """Build a registered network from its name and keyword arguments.

    Parameters
    ----------
    name : str
        A key of ``REGISTRY`` (one of ``MODEL_NAMES``, the configuration's ``model.name``).
    **kwargs
        Constructor arguments of that network: the signal arguments ``n_channels``, ``sfreq``
        (input rate in Hz) and ``step_s`` (output step in seconds) first, then the network's own
        settings (for ``cnn_rnn`` see :class:`CnnRnn`).

    Returns
    -------
    torch.nn.Module
        The network, freshly initialized by its constructor, mapping (B, rows, T) windows to
        (B, S) per-step logits.

    Raises
    ------
    ParameterError
        For a name not in ``MODEL_NAMES``.
    """
    check_option(name, MODEL_NAMES, "model name")
    return REGISTRY[name](**kwargs)
