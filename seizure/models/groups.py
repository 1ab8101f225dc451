"""Parameter groups of a network: which tensors are conv kernels, recurrent matrices, biases...

Initializations and weight penalties are chosen per group, so both use this one classification:

===============  ==========================================================================
group            tensors
===============  ==========================================================================
``conv``         kernels of convolutions (and of any feed-forward layer that is not the head)
``rnn_input``    recurrent layers' input matrices ``weight_ih`` (and minimalRNN's ``weight_uz``)
``rnn_hidden``   recurrent layers' hidden matrices ``weight_hh``, made of ``blocks`` gate blocks
``output``       the read-out layer's kernel (the module called ``head``)
``bias``         every bias vector (convolutions, recurrent layers, head)
``norm``         normalization layers' scale and shift (never initialized or penalized here)
===============  ==========================================================================
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from seizure.models.rnn import CELLS, MinimalRNN, Recurrent

__all__ = ["GROUPS", "KERNEL_GROUPS", "ParamInfo", "parameter_groups"]

GROUPS = ("conv", "rnn_input", "rnn_hidden", "output", "bias", "norm")
KERNEL_GROUPS = ("conv", "rnn_input", "rnn_hidden", "output")

_NORMS = (nn.modules.batchnorm._BatchNorm, nn.LayerNorm, nn.GroupNorm)
_RNNS = (nn.LSTM, nn.GRU, nn.RNN, MinimalRNN)


@dataclass
class ParamInfo:
    """One parameter tensor, its group and the number of gate blocks stacked along its rows.

    Parameters
    ----------
    name : str
        Dotted parameter name, as ``net.named_parameters()`` gives it.
    param : nn.Parameter
        The tensor.
    group : str
        One of :data:`GROUPS`, or ``"other"``.
    blocks : int
        Gate blocks stacked along dim 0 (the gates of a recurrent hidden matrix; else 1).
    """

    name: str
    param: nn.Parameter
    group: str
    blocks: int = 1


def parameter_groups(net: nn.Module) -> list[ParamInfo]:
    """Classify every parameter of ``net`` (see the module docstring for the groups).

    Parameters
    ----------
    net : nn.Module
        The network.

    Returns
    -------
    list of ParamInfo
        In ``net.named_parameters()`` order; parameters of unknown module types get group
        ``"other"``.
    """
    cells: dict[int, str] = {}
    for m in net.modules():
        if isinstance(m, Recurrent):
            cells[id(m.core)] = m.cell
    out: list[ParamInfo] = []
    for mod_name, m in net.named_modules():
        for p_name, p in m.named_parameters(recurse=False):
            full = f"{mod_name}.{p_name}" if mod_name else p_name
            if isinstance(m, _NORMS):
                group, blocks = "norm", 1
            elif p_name.startswith("bias"):
                group, blocks = "bias", 1
            elif isinstance(m, _RNNS):
                cell = cells.get(id(m), _cell_of(m))
                if p_name.startswith("weight_hh"):
                    group, blocks = "rnn_hidden", len(CELLS[cell])
                else:
                    group, blocks = "rnn_input", 1
            elif isinstance(m, nn.Linear) and mod_name.split(".")[-1] == "head":
                group, blocks = "output", 1
            elif isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)):
                group, blocks = "conv", 1
            else:
                group, blocks = "other", 1
            out.append(ParamInfo(full, p, group, blocks))
    return out


def _cell_of(m: nn.Module) -> str:
    if isinstance(m, nn.LSTM):
        return "lstm"
    if isinstance(m, nn.GRU):
        return "gru"
    if isinstance(m, MinimalRNN):
        return "minimal_rnn"
    return "rnn_relu" if getattr(m, "nonlinearity", "tanh") == "relu" else "rnn_tanh"
