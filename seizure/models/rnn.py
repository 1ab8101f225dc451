"""Recurrent layers: LSTM, GRU, minimalRNN and plain RNNs, with variational recurrent dropout.

All cells keep PyTorch's parameter layout and names, one set per layer ``k`` and direction
(suffix ``""`` forward, ``"_reverse"`` backward):

- ``weight_ih_l{k}`` (G * H, I): input matrix, the G gate blocks stacked along the rows;
- ``weight_hh_l{k}`` (G * H, H): recurrent (hidden) matrix, same block order;
- ``bias_ih_l{k}``, ``bias_hh_l{k}`` (G * H,): their biases (the cell uses their sum).

Gate block order (rows of the stacked matrices), as in PyTorch:

=============  ==================================  ===========
cell           blocks                              keep gate
=============  ==================================  ===========
``lstm``       input, forget, cell, output         forget
``gru``        reset, update, new                  update
``minimal_rnn`` update                             update
``rnn_tanh``   hidden                              -
``rnn_relu``   hidden                              -
=============  ==================================  ===========

The minimalRNN (Chen, Pennington & Schoenholz, ICML 2018) is

    z_t = tanh(W_ih x_t + b_ih)                       (input map, Phi in the paper)
    u_t = sigmoid(W_hh h_{t-1} + W_uz z_t + b_hh)     (update gate)
    h_t = u_t * h_{t-1} + (1 - u_t) * z_t

so it has one more matrix, ``weight_uz_l{k}`` (H, H), counted as an input-side matrix.

Notes
-----
Recurrent (variational) dropout follows Gal & Ghahramani (2016) as Keras' ``recurrent_dropout``
does: one Bernoulli mask per sequence and layer, applied to ``h_{t-1}`` before the recurrent
matrix at every step. PyTorch's fused LSTM/GRU kernels cannot do that, so while training with
``recurrent_dropout > 0`` (and always for ``minimal_rnn``) the layers run as an explicit loop
over time over the very same parameters; evaluation uses the fused kernels.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["CELLS", "KEEP_GATE", "MinimalRNN", "Recurrent", "gate_slice"]

CELLS: dict[str, tuple[str, ...]] = {
    "lstm": ("input", "forget", "cell", "output"),
    "gru": ("reset", "update", "new"),
    "minimal_rnn": ("update",),
    "rnn_tanh": ("hidden",),
    "rnn_relu": ("hidden",),
}
KEEP_GATE: dict[str, str] = {"lstm": "forget", "gru": "update", "minimal_rnn": "update"}


def gate_slice(cell: str, gate: str, hidden_size: int) -> slice:
    """Rows of a stacked (G * H, ...) matrix or (G * H,) bias that belong to ``gate``.

    Parameters
    ----------
    cell : str
        A key of :data:`CELLS`.
    gate : str
        One of the cell's gate blocks (``CELLS[cell]``).
    hidden_size : int
        Units per gate block (``H``).

    Returns
    -------
    slice
        Rows ``[i * H, (i + 1) * H)`` with ``i`` the gate's block index.
    """
    i = CELLS[cell].index(gate)
    return slice(i * hidden_size, (i + 1) * hidden_size)


class MinimalRNN(nn.Module):
    """Stacked minimalRNN layers with PyTorch-style parameters (see the module docstring).

    Input (B, S, I) with ``batch_first``; output (B, S, H * directions), with None in place of
    the final state (the call returns a pair, as PyTorch's recurrent layers do).

    Parameters
    ----------
    input_size : int
        Features per input step (``I``).
    hidden_size : int
        Units per layer and direction (``H``).
    num_layers : int
        Stacked layers.
    bidirectional : bool
        Add a backward direction to every layer.
    dropout : float
        Dropout on the outputs of every layer but the last, while training.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        dirs = 2 if bidirectional else 1
        for k in range(num_layers):
            in_k = input_size if k == 0 else hidden_size * dirs
            for sfx in ("", "_reverse")[:dirs]:
                self.register_parameter(f"weight_ih_l{k}{sfx}", nn.Parameter(torch.empty(hidden_size, in_k)))
                self.register_parameter(f"weight_uz_l{k}{sfx}", nn.Parameter(torch.empty(hidden_size, hidden_size)))
                self.register_parameter(f"weight_hh_l{k}{sfx}", nn.Parameter(torch.empty(hidden_size, hidden_size)))
                self.register_parameter(f"bias_ih_l{k}{sfx}", nn.Parameter(torch.empty(hidden_size)))
                self.register_parameter(f"bias_hh_l{k}{sfx}", nn.Parameter(torch.empty(hidden_size)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """U(-1/sqrt(H), 1/sqrt(H)) for every parameter, as PyTorch's recurrent layers."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def forward(self, x: torch.Tensor):
        """Run every layer over the sequence.

        Parameters
        ----------
        x : torch.Tensor
            Input sequence, shape (B, S, input_size).

        Returns
        -------
        output : torch.Tensor
            Last layer's states, shape (B, S, hidden_size * directions).
        state : None
            No final state is returned.
        """
        out = run_layers(self, "minimal_rnn", x, 0.0)
        return out, None


def _step_weights(core: nn.Module, k: int, sfx: str) -> dict[str, torch.Tensor]:
    names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_uz")
    return {n: getattr(core, f"{n}_l{k}{sfx}") for n in names if hasattr(core, f"{n}_l{k}{sfx}")}


def _scan(cell: str, x: torch.Tensor, w: dict[str, torch.Tensor], mask: torch.Tensor | None) -> torch.Tensor:
    """One layer, one direction: (B, S, I) -> (B, S, H), ``mask`` (B, H) on h_{t-1} or None."""
    b, s, _ = x.shape
    hsz = w["weight_hh"].shape[1]
    h = x.new_zeros(b, hsz)
    c = x.new_zeros(b, hsz)
    outs = []
    if cell == "minimal_rnn":
        z = torch.tanh(F.linear(x, w["weight_ih"], w["bias_ih"]))  # (B, S, H)
        zu = F.linear(z, w["weight_uz"], w["bias_hh"])  # (B, S, H)
        for t in range(s):
            hm = h if mask is None else h * mask
            u = torch.sigmoid(zu[:, t] + F.linear(hm, w["weight_hh"]))
            h = u * h + (1.0 - u) * z[:, t]
            outs.append(h)
        return torch.stack(outs, dim=1)
    xi = F.linear(x, w["weight_ih"], w["bias_ih"])  # (B, S, G*H)
    for t in range(s):
        hm = h if mask is None else h * mask
        hh = F.linear(hm, w["weight_hh"], w["bias_hh"])  # (B, G*H)
        if cell == "lstm":
            i, f, g, o = (xi[:, t] + hh).chunk(4, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
        elif cell == "gru":
            xr, xz, xn = xi[:, t].chunk(3, dim=1)
            hr, hz, hn = hh.chunk(3, dim=1)
            r = torch.sigmoid(xr + hr)
            zg = torch.sigmoid(xz + hz)
            n = torch.tanh(xn + r * hn)
            h = (1.0 - zg) * n + zg * h
        elif cell == "rnn_tanh":
            h = torch.tanh(xi[:, t] + hh)
        else:  # rnn_relu
            h = torch.relu(xi[:, t] + hh)
        outs.append(h)
    return torch.stack(outs, dim=1)


def run_layers(core: nn.Module, cell: str, x: torch.Tensor, recurrent_dropout: float) -> torch.Tensor:
    """Explicit loop over layers, directions and time on ``core``'s parameters.

    ``x`` (B, S, I) -> (B, S, H * directions). Inter-layer dropout ``core.dropout`` and the
    variational ``recurrent_dropout`` are active only when ``core.training``.
    """
    dirs = 2 if core.bidirectional else 1
    h_size = core.hidden_size
    out = x
    for k in range(core.num_layers):
        if k > 0 and core.dropout > 0:
            out = F.dropout(out, core.dropout, core.training)
        per_dir = []
        for sfx in ("", "_reverse")[:dirs]:
            mask = None
            if core.training and recurrent_dropout > 0:
                keep = 1.0 - recurrent_dropout
                mask = torch.bernoulli(out.new_full((out.shape[0], h_size), keep)) / keep
            seq = out.flip(1) if sfx else out
            y = _scan(cell, seq, _step_weights(core, k, sfx), mask)
            per_dir.append(y.flip(1) if sfx else y)
        out = torch.cat(per_dir, dim=2) if dirs == 2 else per_dir[0]
    return out


class Recurrent(nn.Module):
    """Recurrent layers of any cell in ``CELLS``: (B, S, I) -> (B, S, H * directions).

    Parameters
    ----------
    cell : {"lstm", "gru", "minimal_rnn", "rnn_tanh", "rnn_relu"}
        The recurrent cell (a key of :data:`CELLS`).
    input_size, hidden_size, num_layers : int
        Features per input step (``I``), units per layer and direction (``H``), stacked layers.
    bidirectional : bool
        Add a backward direction to every layer.
    dropout : float
        Dropout on the outputs of every layer but the last (as PyTorch's ``dropout``).
    recurrent_dropout : float
        Variational dropout on the hidden state entering the recurrent matrix.
    trainable : bool
        False freezes every recurrent parameter (a reservoir: fixed random recurrent weights,
        trained front end and read-out; Gallicchio & Scardapane 2020).

    Raises
    ------
    ValueError
        For an unknown cell or ``recurrent_dropout`` outside [0, 1).
    """

    def __init__(
        self,
        cell: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        trainable: bool = True,
    ) -> None:
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"unknown recurrent cell {cell!r}; expected one of {sorted(CELLS)}")
        if not 0.0 <= recurrent_dropout < 1.0:
            raise ValueError(f"recurrent_dropout must be in [0, 1), got {recurrent_dropout}")
        self.cell = cell
        self.hidden_size = hidden_size
        self.recurrent_dropout = float(recurrent_dropout)
        dropout = dropout if num_layers > 1 else 0.0
        common = dict(num_layers=num_layers, bidirectional=bidirectional, dropout=dropout)
        if cell == "lstm":
            self.core = nn.LSTM(input_size, hidden_size, batch_first=True, **common)
        elif cell == "gru":
            self.core = nn.GRU(input_size, hidden_size, batch_first=True, **common)
        elif cell in ("rnn_tanh", "rnn_relu"):
            self.core = nn.RNN(input_size, hidden_size, nonlinearity=cell[4:], batch_first=True, **common)
        else:
            self.core = MinimalRNN(input_size, hidden_size, **common)
        self.use_loop = False  # tests force the explicit loop to compare it with the fused kernels
        if not trainable:
            for p in self.core.parameters():
                p.requires_grad_(False)

    @property
    def n_gates(self) -> int:
        """Gate blocks per stacked matrix (``G``)."""
        return len(CELLS[self.cell])

    @property
    def output_size(self) -> int:
        """Features per output step (``H * directions``)."""
        return self.hidden_size * (2 if self.core.bidirectional else 1)

    def gate_biases(self) -> list[tuple[torch.Tensor | None, torch.Tensor]]:
        """Per layer and direction ``(bias_ih, bias_hh)`` whose gate blocks add up to the gate bias.

        For ``minimal_rnn`` the input bias belongs to the input map, not to the gate, so it is
        returned as None and the gate bias is ``bias_hh`` alone.
        """
        out = []
        dirs = 2 if self.core.bidirectional else 1
        for k in range(self.core.num_layers):
            for sfx in ("", "_reverse")[:dirs]:
                ih = getattr(self.core, f"bias_ih_l{k}{sfx}")
                hh = getattr(self.core, f"bias_hh_l{k}{sfx}")
                out.append((None if self.cell == "minimal_rnn" else ih, hh))
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, S, I) -> (B, S, H * directions).

        Parameters
        ----------
        x : torch.Tensor
            Input sequence, shape (B, S, input_size).

        Returns
        -------
        torch.Tensor
            Last layer's states, shape (B, S, hidden_size * directions).
        """
        loop = self.cell == "minimal_rnn" or self.use_loop or (self.training and self.recurrent_dropout > 0)
        if loop:
            return run_layers(self.core, self.cell, x, self.recurrent_dropout)
        out, _ = self.core(x)
        return out
