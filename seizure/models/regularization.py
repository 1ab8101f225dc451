"""Regularizers that live in the network or the loss: Gaussian input noise, L1/L2 kernel penalties.

Dropout and recurrent (variational) dropout are network arguments (``seizure.models.cnn_rnn``,
``seizure.models.rnn``); weight decay and gradient clipping are optimizer/trainer settings
(``seizure.training.module``).
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

from seizure.models.groups import KERNEL_GROUPS, parameter_groups

__all__ = ["GaussianNoise", "penalized_parameters", "kernel_penalties"]


class GaussianNoise(nn.Module):
    """Add N(0, std^2) noise while training (Keras ``GaussianNoise``); identity in evaluation.

    Shape is unchanged: any (B, ...) -> (B, ...).

    Parameters
    ----------
    std : float
        Standard deviation of the noise, in the units of the input (0: no noise).

    Raises
    ------
    ValueError
        For a negative ``std``.
    """

    def __init__(self, std: float = 0.0) -> None:
        super().__init__()
        if std < 0:
            raise ValueError(f"input noise std must be >= 0, got {std}")
        self.std = float(std)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Add the noise in training mode.

        Parameters
        ----------
        x : torch.Tensor
            Input of any shape (B, ...).

        Returns
        -------
        torch.Tensor
            ``x`` plus fresh noise (training, ``std > 0``), else ``x`` itself; same shape.
        """
        if self.training and self.std > 0:
            return x + self.std * torch.randn_like(x)
        return x

    def extra_repr(self) -> str:
        """The module's setting in its printed form.

        Returns
        -------
        str
            ``"std=<std>"``.
        """
        return f"std={self.std}"


def penalized_parameters(net: nn.Module, groups: Iterable[str] = KERNEL_GROUPS) -> list[nn.Parameter]:
    """Kernels of ``net`` in the given groups (never biases or normalization parameters).

    Frozen parameters (``requires_grad=False``) are left out: a penalty cannot change them.

    Parameters
    ----------
    net : nn.Module
        The network.
    groups : iterable of str
        Kernel groups to penalize, a subset of :data:`seizure.models.groups.KERNEL_GROUPS`.

    Returns
    -------
    list of nn.Parameter
        The trainable kernels of those groups, in ``net.named_parameters()`` order.

    Raises
    ------
    ValueError
        For a group that is not a kernel group.
    """
    groups = tuple(groups)
    bad = [g for g in groups if g not in KERNEL_GROUPS]
    if bad:
        raise ValueError(f"penalty groups {bad} are not kernel groups; expected a subset of {list(KERNEL_GROUPS)}")
    return [i.param for i in parameter_groups(net) if i.group in groups and i.param.requires_grad]


def kernel_penalties(params: list[nn.Parameter], l1: float = 0.0, l2: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Keras-style weight penalties ``l1 * sum |w|`` and ``l2 * sum w^2`` over ``params``.

    With both coefficients positive this is Keras' ``l1_l2`` regularizer.

    Parameters
    ----------
    params : list of nn.Parameter
        The penalized kernels (:func:`penalized_parameters`).
    l1 : float
        Coefficient of the sum of absolute values (0: no L1 term).
    l2 : float
        Coefficient of the sum of squares (0: no L2 term).

    Returns
    -------
    l1_penalty, l2_penalty : torch.Tensor
        Scalar tensors; zero, without graph, when the coefficient is 0 or ``params`` is empty.
    """
    ref = params[0] if params else torch.zeros(())
    zero = ref.new_zeros(())
    p1 = l1 * sum(p.abs().sum() for p in params) if (l1 > 0 and params) else zero
    p2 = l2 * sum(p.pow(2).sum() for p in params) if (l2 > 0 and params) else zero
    return p1, p2
