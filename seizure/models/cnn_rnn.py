"""Hybrid convolutional + gated recurrent network producing a per-step seizure probability.

Shapes (B batch, C montage channels, T samples, S = T / samples_per_step output steps):

1. input ``x``: (B, C, T)
2. temporal convolutions shared by every channel: (B*C, 1, T) -> for each block k:
   Conv1d(kernel_size, "same") + ELU + MaxPool(pools[k]) -> (B*C, F_k, T / prod(pools[:k+1]))
3. channel pooling: mean and max over the C channels -> (B, 2 * F_last, S)
   (so 20- and 22-channel montages feed the same network, and a seizure's location does not have
   to be learned per channel)
4. recurrent layers (LSTM or GRU, optionally bidirectional) over S: (B, S, H * directions)
5. dropout + linear read-out: (B, S) logits; ``torch.sigmoid`` gives probabilities.

Notes
-----
Golmohammadi et al. (2017) feed LFCC features through 2D then 1D convolutions into LSTM layers;
the exact kernel and unit counts are not published. This network works on the raw montaged
signal instead; the pooling factors are chosen so that one output step covers ``step_s`` seconds.
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["CnnRnn", "pool_factors"]


def pool_factors(samples_per_step: int, n_blocks: int) -> list[int]:
    """Split ``samples_per_step`` into ``n_blocks`` integer pooling factors whose product is exact.

    Larger factors first; e.g. 100 samples per step in 3 blocks -> [5, 5, 4].
    """
    factors: list[int] = []
    n = samples_per_step
    p = 2
    while n > 1:
        while n % p == 0:
            factors.append(p)
            n //= p
        p += 1
    blocks = [1] * n_blocks
    for f in sorted(factors, reverse=True):
        i = min(range(n_blocks), key=lambda k: blocks[k])
        blocks[i] *= f
    return sorted(blocks, reverse=True)


class CnnRnn(nn.Module):
    """CNN front end over the raw montaged signal, then LSTM/GRU, per-step logits.

    Parameters
    ----------
    n_channels : int
        Montage channels C (the network itself is channel-count agnostic; kept for the record).
    sfreq : float
        Input sampling rate in Hz.
    step_s : float
        Output step in seconds; ``sfreq * step_s`` must be an integer.
    rnn : {"lstm", "gru"}
    conv_channels : list of int
        Filters per convolution block (one pooling stage per block).
    kernel_size : int
        Temporal kernel length in samples.
    hidden_size, num_layers, bidirectional : recurrent layer settings.
    dropout : float
        Dropout before the read-out (and between recurrent layers when ``num_layers > 1``).
    """

    def __init__(
        self,
        n_channels: int,
        sfreq: float,
        step_s: float = 1.0,
        rnn: str = "lstm",
        conv_channels: tuple[int, ...] = (16, 32, 64),
        kernel_size: int = 7,
        hidden_size: int = 64,
        num_layers: int = 1,
        bidirectional: bool = True,
        dropout: float = 0.3,
    ) -> None:
        super().__init__()
        sps = sfreq * step_s
        if abs(sps - round(sps)) > 1e-6:
            raise ValueError(f"sfreq * step_s must be a whole number of samples, got {sps}")
        self.samples_per_step = int(round(sps))
        self.n_channels = n_channels
        pools = pool_factors(self.samples_per_step, len(conv_channels))
        layers: list[nn.Module] = []
        in_ch = 1
        for out_ch, pool in zip(conv_channels, pools):
            layers += [
                nn.Conv1d(in_ch, out_ch, kernel_size, padding=kernel_size // 2),
                nn.BatchNorm1d(out_ch),
                nn.ELU(),
                nn.MaxPool1d(pool) if pool > 1 else nn.Identity(),
            ]
            in_ch = out_ch
        self.conv = nn.Sequential(*layers)
        rnn_cls = {"lstm": nn.LSTM, "gru": nn.GRU}[rnn]
        self.rnn = rnn_cls(
            2 * in_ch,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            bidirectional=bidirectional,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size * (2 if bidirectional else 1), 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, T) -> (B, T // samples_per_step) logits."""
        b, c, t = x.shape
        s = t // self.samples_per_step
        x = x[:, :, : s * self.samples_per_step]
        h = self.conv(x.reshape(b * c, 1, -1))  # (B*C, F, S)
        h = h.reshape(b, c, h.shape[1], h.shape[2])
        h = torch.cat([h.mean(dim=1), h.amax(dim=1)], dim=1)  # (B, 2F, S)
        out, _ = self.rnn(h.transpose(1, 2))  # (B, S, H*dirs)
        return self.head(self.dropout(out)).squeeze(-1)  # (B, S)

    def n_parameters(self) -> int:
        return int(sum(math.prod(p.shape) for p in self.parameters()))
