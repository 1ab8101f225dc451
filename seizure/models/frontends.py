"""Convolutional front ends of ``CnnRnn``: raw montaged signal, or LFCC feature frames.

Both map the input of ONE montage channel to a feature sequence at the output step rate; the
weights are shared by every channel (the channel axis is folded into the batch axis).

``RawFrontEnd``, per channel, with ``T = S * samples_per_step`` samples:

    (N, 1, T)
    -> block k = 1..K: Conv1d(F_{k-1} -> F_k, kernel, "same") [+ BatchNorm1d] + activation
       + pool(p_k) over time                                   -> (N, F_k, T / (p_1 ... p_k))
    -> (N, F_K, S)                                              since p_1 ... p_K = samples_per_step

``LfccFrontEnd``, per channel, with ``n = S * frames_per_step`` frames of ``k`` features:

    (N, 1, n, k)                  the (frame, feature) image of one channel
    -> 2-D block j = 1..J: Conv2d(E_{j-1} -> E_j, (kt, kf), "same") [+ BatchNorm2d] + activation
       + pool (q_j over frames, 2 over features)               -> (N, E_j, n / (q_1..q_j), k_j)
       with k_j = floor(k_{j-1} / 2) (no feature pooling once k_{j-1} < 2)
    -> fold features into channels                             -> (N, E_J * k_J, n / (q_1..q_J))
    -> 1-D block k = 1..K as in RawFrontEnd (pools r_k)        -> (N, F_K, S)
       with q_1..q_J r_1..r_K = frames_per_step (``pool_factors`` over all J + K blocks, the
       largest factors first)
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["ACTIVATIONS", "POOLINGS", "make_activation", "pool_factors", "RawFrontEnd", "LfccFrontEnd"]

ACTIVATIONS = {
    "elu": nn.ELU,
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "selu": nn.SELU,
    "gelu": nn.GELU,
    "tanh": nn.Tanh,
}
POOLINGS = ("max", "avg")
#: Non-decreasing activations: max-pooling commutes with them, so it can run first (fewer samples).
MONOTONIC = frozenset({"elu", "relu", "leaky_relu", "selu", "tanh"})


def make_activation(name: str) -> nn.Module:
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}") from None


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


def _pool1d(kind: str, p: int) -> nn.Module:
    if p <= 1:
        return nn.Identity()
    return nn.MaxPool1d(p) if kind == "max" else nn.AvgPool1d(p)


def _conv1d_blocks(in_ch, channels, kernel_size, pools, activation, pooling, batch_norm) -> tuple[nn.Sequential, int]:
    layers: list[nn.Module] = []
    for out_ch, pool in zip(channels, pools):
        layers.append(nn.Conv1d(in_ch, out_ch, kernel_size, padding=kernel_size // 2))
        if batch_norm:
            layers.append(nn.BatchNorm1d(out_ch))
        if pooling == "max" and activation in MONOTONIC:
            # max(f(y)) == f(max(y)) for non-decreasing f: pool first, activate the shorter signal
            layers += [_pool1d(pooling, pool), make_activation(activation)]
        else:
            layers += [make_activation(activation), _pool1d(pooling, pool)]
        in_ch = out_ch
    return nn.Sequential(*layers), in_ch


class RawFrontEnd(nn.Module):
    """Temporal convolutions over one channel of raw signal: (N, 1, S * sps) -> (N, F_K, S)."""

    def __init__(
        self,
        samples_per_step: int,
        conv_channels: list[int],
        kernel_size: int = 7,
        activation: str = "elu",
        pooling: str = "max",
        batch_norm: bool = True,
    ) -> None:
        super().__init__()
        if not conv_channels:
            raise ValueError("the raw front end needs at least one convolution block (conv_channels)")
        if kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd ('same' padding), got {kernel_size}")
        self.pools = pool_factors(samples_per_step, len(conv_channels))
        self.conv, self.out_channels = _conv1d_blocks(
            1, conv_channels, kernel_size, self.pools, activation, pooling, batch_norm
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


class LfccFrontEnd(nn.Module):
    """2-D convolutions over one channel's (frame, feature) image, then 1-D convolutions over
    frames: (N, 1, S * fps, k) -> (N, F_K, S) (see the module docstring)."""

    def __init__(
        self,
        frames_per_step: int,
        n_features: int,
        conv2d_channels: list[int],
        conv2d_kernel: list[int] | tuple[int, int] = (3, 3),
        conv_channels: list[int] = (),
        kernel_size: int = 3,
        activation: str = "elu",
        pooling: str = "max",
        batch_norm: bool = True,
    ) -> None:
        super().__init__()
        if not conv2d_channels and not conv_channels:
            raise ValueError("the LFCC front end needs at least one convolution block")
        kt, kf = (int(v) for v in conv2d_kernel)
        if kt % 2 == 0 or kf % 2 == 0 or kernel_size % 2 == 0:
            raise ValueError(f"kernel sizes must be odd ('same' padding), got {conv2d_kernel} and {kernel_size}")
        pools = pool_factors(frames_per_step, len(conv2d_channels) + len(conv_channels))
        self.pools2d, self.pools1d = pools[: len(conv2d_channels)], pools[len(conv2d_channels) :]
        # input normalization of the raw feature values (log energies and cepstra of very
        # different scales): one BatchNorm over the k features, no learned affine
        self.norm = nn.BatchNorm2d(n_features, affine=False) if batch_norm else nn.Identity()
        layers: list[nn.Module] = []
        in_ch, k = 1, n_features
        for out_ch, q in zip(conv2d_channels, self.pools2d):
            layers.append(nn.Conv2d(in_ch, out_ch, (kt, kf), padding=(kt // 2, kf // 2)))
            if batch_norm:
                layers.append(nn.BatchNorm2d(out_ch))
            layers.append(make_activation(activation))
            pf = 2 if k >= 2 else 1
            if q > 1 or pf > 1:
                layers.append(nn.MaxPool2d((q, pf)) if pooling == "max" else nn.AvgPool2d((q, pf)))
            k //= pf
            in_ch = out_ch
        self.conv2d = nn.Sequential(*layers)
        self.folded_channels = in_ch * k
        self.conv1d, self.out_channels = _conv1d_blocks(
            self.folded_channels, list(conv_channels), kernel_size, self.pools1d, activation, pooling, batch_norm
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if isinstance(self.norm, nn.BatchNorm2d):  # normalize each feature: (N, k, n, 1)
            x = self.norm(x.permute(0, 3, 2, 1)).permute(0, 3, 2, 1)
        h = self.conv2d(x)  # (N, E_J, n', k_J)
        n, e, t, k = h.shape
        h = h.permute(0, 1, 3, 2).reshape(n, e * k, t)  # (N, E_J * k_J, n')
        return self.conv1d(h)
