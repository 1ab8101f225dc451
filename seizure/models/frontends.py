"""Convolutional front ends of ``CnnRnn``: raw montaged signal, or LFCC feature frames.

Both apply the same convolutions to every montage channel (weights shared by all channels,
channels never mixed), producing one feature sequence per channel at the output step rate.

``RawFrontEnd``, with ``T = S * samples_per_step`` samples per channel (see its docstring for
``strided_blocks``):

    (B, C, T) -> (B, 1, C, T)     channels-last layout
    -> block k = 1..K: Conv2d(F_{k-1} -> F_k, (1, kernel), "same") [+ BatchNorm2d] + activation
       + pool (1, p_k) over time                               -> (B, F_k, C, T / (p_1 ... p_k))
    -> (B, F_K, C, S)                                           since p_1 ... p_K = samples_per_step

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
from torch.nn import functional as F

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
    """A new activation layer from its name.

    Parameters
    ----------
    name : str
        A key of :data:`ACTIVATIONS`.

    Returns
    -------
    nn.Module
        The activation, with its default parameters.

    Raises
    ------
    ValueError
        For an unknown name, listing the known ones.
    """
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}") from None


def pool_factors(samples_per_step: int, n_blocks: int) -> list[int]:
    """Split ``samples_per_step`` into ``n_blocks`` integer pooling factors whose product is exact.

    Larger factors first; e.g. 100 samples per step in 3 blocks -> [5, 5, 4].

    Parameters
    ----------
    samples_per_step : int
        Samples (or frames) of input per output step: the product of the factors.
    n_blocks : int
        Number of blocks that pool.

    Returns
    -------
    list of int
        ``n_blocks`` factors in decreasing order (1 for blocks left without a prime factor).
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


def _fold_norm(conv: nn.Conv2d, norm: nn.BatchNorm2d) -> tuple[torch.Tensor, torch.Tensor]:
    """Kernel and bias of ``norm(conv(x))`` as one convolution (eval mode: running statistics)."""
    scale = torch.rsqrt(norm.running_var + norm.eps)
    if norm.affine:
        scale = scale * norm.weight
    bias = conv.bias if conv.bias is not None else torch.zeros_like(norm.running_mean)
    shift = (bias - norm.running_mean) * scale
    if norm.affine:
        shift = shift + norm.bias
    return conv.weight * scale.reshape(-1, 1, 1, 1), shift


def run_conv2d_blocks(blocks: nn.Sequential, x: torch.Tensor, training: bool) -> torch.Tensor:
    """Apply 2-D convolution blocks with one input filter to ``x`` (N, H, W) -> (N, F, H', W').

    The signal is kept in channels-last memory ((N, H, W, F)), where the CPU convolution kernels
    (oneDNN) vectorize over the filters; in eval mode every BatchNorm2d is folded into the
    convolution before it. Training-mode batch normalization of fewer than 16 filters is several
    times slower on channels-last memory, so leading blocks that narrow run in the standard layout
    and the signal switches layout before the first wider convolution.
    """
    layers = list(blocks)
    narrow = training and any(isinstance(m, nn.BatchNorm2d) and m.num_features < 16 for m in layers)
    if narrow:
        h = x.unsqueeze(1)
    else:
        # channels-last strides (with one input filter, unsqueeze(1) reads as the standard layout)
        h = x.unsqueeze(-1).permute(0, 3, 1, 2)
    i = 0
    while i < len(layers):
        layer = layers[i]
        nxt = layers[i + 1] if i + 1 < len(layers) else None
        if isinstance(layer, nn.Conv2d):
            if isinstance(nxt, nn.BatchNorm2d) and not training:
                w, b = _fold_norm(layer, nxt)
                i += 1
            else:
                w, b = layer.weight, layer.bias
            if narrow and layer.out_channels >= 16:
                h, narrow = _ToChannelsLast.apply(h), False
            h = F.conv2d(h, w, b, layer.stride, layer.padding)
        else:
            h = layer(h)
        i += 1
    return h


class RawFrontEnd(nn.Module):
    """Temporal convolutions shared by every channel of raw signal: (B, C, S * sps) -> (B, F_K, C, S).

    Every block is a ``Conv2d`` with a (1, kernel) kernel over the (channel, time) plane, so the
    channels never mix and the weights are shared by all of them; the signal is kept in the
    channels-last memory layout, which lets the CPU convolution kernels (oneDNN) vectorize over
    the filters. In eval mode each batch normalization is folded into its convolution.

    ``strided_blocks`` sets how many leading blocks reach their rate reduction ``p_k`` by a
    convolution with stride ``p_k`` (no pooling; the first block's kernel is
    ``first_kernel_size`` samples, the others' ``kernel_size``): the full-rate signal is then
    touched once, by the first block's few filters. The remaining blocks convolve at their input
    rate and pool by ``p_k``. ``strided_blocks=0`` pools in every block; a value at or above the
    number of blocks strides in all of them.

    Shapes, with ``T = S * sps`` samples and pooling factors p_1 ... p_K (product ``sps``)::

        (B, C, T) -> (B, 1, C, T)
        -> block k: conv (1, kernel), stride p_k if k <= strided_blocks [+ BatchNorm2d]
           + activation [+ pool (1, p_k) if k > strided_blocks]                 -> (B, F_k, C, T / (p_1..p_k))
        -> (B, F_K, C, S)

    Parameters
    ----------
    samples_per_step : int
        Input samples per output step (``sps``), split into the blocks' factors by :func:`pool_factors`.
    conv_channels : list of int
        Filters of each block (``F_1 .. F_K``); at least one block.
    kernel_size : int
        Odd kernel length in samples of the pooling blocks (and of strided blocks after the first).
    activation : str
        A key of :data:`ACTIVATIONS`.
    pooling : {"max", "avg"}
        Pooling over time of the blocks that do not stride.
    batch_norm : bool
        Batch normalization after every convolution.
    strided_blocks : int
        Leading blocks that reduce the rate by their convolution stride instead of pooling.
    first_kernel_size : int
        Odd kernel length in samples of the first block when it strides.

    Raises
    ------
    ValueError
        For no block, a negative ``strided_blocks`` or an even kernel size.
    """

    def __init__(
        self,
        samples_per_step: int,
        conv_channels: list[int],
        kernel_size: int = 7,
        activation: str = "elu",
        pooling: str = "max",
        batch_norm: bool = True,
        strided_blocks: int = 0,
        first_kernel_size: int = 11,
    ) -> None:
        super().__init__()
        if not conv_channels:
            raise ValueError("the raw front end needs at least one convolution block (conv_channels)")
        if strided_blocks < 0:
            raise ValueError(f"strided_blocks must be 0 or more, got {strided_blocks}")
        for name, k in (
            ("kernel_size", kernel_size),
            ("first_kernel_size", first_kernel_size if strided_blocks else 1),
        ):
            if k % 2 == 0 or k < 1:
                raise ValueError(f"{name} must be odd ('same' padding), got {k}")
        self.pools = pool_factors(samples_per_step, len(conv_channels))
        self.strided_blocks = strided_blocks
        layers: list[nn.Module] = []
        in_ch = 1
        for i, (out_ch, pool) in enumerate(zip(conv_channels, self.pools)):
            if i < strided_blocks:
                k, stride, pool = (first_kernel_size if i == 0 else kernel_size), pool, 1
            else:
                k, stride = kernel_size, 1
            layers.append(nn.Conv2d(in_ch, out_ch, (1, k), stride=(1, stride), padding=(0, k // 2)))
            if batch_norm:
                layers.append(nn.BatchNorm2d(out_ch))
            act = make_activation(activation)
            if pool <= 1:
                layers.append(act)
            elif pooling == "max" and activation in MONOTONIC:
                # max(f(y)) == f(max(y)) for non-decreasing f: pool first, activate the shorter signal
                layers += [nn.MaxPool2d((1, pool)), act]
            else:
                layers += [act, nn.MaxPool2d((1, pool)) if pooling == "max" else nn.AvgPool2d((1, pool))]
            in_ch = out_ch
        self.conv = nn.Sequential(*layers)
        self.out_channels = in_ch
        self._register_load_state_dict_pre_hook(_conv1d_to_conv2d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the blocks.

        Parameters
        ----------
        x : torch.Tensor
            Raw signal, shape (B, C, S * samples_per_step).

        Returns
        -------
        torch.Tensor
            Per-channel features at the step rate, shape (B, F_K, C, S).
        """
        return run_conv2d_blocks(self.conv, x, self.training)


class _ToChannelsLast(torch.autograd.Function):
    """Copy to channels-last memory whose backward returns the gradient in the standard layout
    (element-wise backward kernels whose operands differ in layout are an order of magnitude
    slower on CPU)."""

    @staticmethod
    def forward(ctx, x):
        return x.contiguous(memory_format=torch.channels_last)

    @staticmethod
    def backward(ctx, grad):
        return grad.contiguous()


def _conv1d_to_conv2d(state_dict, prefix, *args) -> None:
    """Load state dicts saved when the raw front end used ``Conv1d`` (kernels of shape (F, E, k))."""
    for key, value in list(state_dict.items()):
        if key.startswith(prefix + "conv.") and key.endswith(".weight") and value.dim() == 3:
            state_dict[key] = value.unsqueeze(2)


class LfccFrontEnd(nn.Module):
    """2-D convolutions over one channel's (frame, feature) image, then 1-D convolutions over
    frames: (N, 1, S * fps, k) -> (N, F_K, S) (see the module docstring).

    Parameters
    ----------
    frames_per_step : int
        Feature frames per output step (``fps``), split into the pooling factors of all blocks.
    n_features : int
        Features per frame (``k``; 26 for the default LFCC step).
    conv2d_channels : list of int
        Filters of each 2-D block (``E_1 .. E_J``).
    conv2d_kernel : tuple of (int, int)
        Odd 2-D kernel size (frames, features).
    conv_channels : list of int
        Filters of each 1-D block (``F_1 .. F_K``); with ``conv2d_channels``, at least one block.
    kernel_size : int
        Odd kernel length in frames of the 1-D blocks.
    activation : str
        A key of :data:`ACTIVATIONS`.
    pooling : {"max", "avg"}
        Pooling of every block.
    batch_norm : bool
        Normalize the input features (no affine) and batch-normalize after every convolution.

    Raises
    ------
    ValueError
        For no block at all or an even kernel size.
    """

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
            pf = 2 if k >= 2 else 1
            pool = [nn.MaxPool2d((q, pf)) if pooling == "max" else nn.AvgPool2d((q, pf))] if q > 1 or pf > 1 else []
            if pooling == "max" and activation in MONOTONIC:  # as in _conv1d_blocks
                layers += pool + [make_activation(activation)]
            else:
                layers += [make_activation(activation)] + pool
            k //= pf
            in_ch = out_ch
        self.conv2d = nn.Sequential(*layers)
        self.folded_channels = in_ch * k
        self.conv1d, self.out_channels = _conv1d_blocks(
            self.folded_channels, list(conv_channels), kernel_size, self.pools1d, activation, pooling, batch_norm
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the 2-D then the 1-D blocks.

        Parameters
        ----------
        x : torch.Tensor
            One (frame, feature) image per channel, shape (N, 1, S * frames_per_step, n_features).

        Returns
        -------
        torch.Tensor
            Features at the step rate, shape (N, F_K, S).
        """
        if isinstance(self.norm, nn.BatchNorm2d):  # normalize each feature: (N, k, n, 1)
            x = self.norm(x.permute(0, 3, 2, 1)).permute(0, 3, 2, 1)
        h = run_conv2d_blocks(self.conv2d, x[:, 0].contiguous(), self.training)  # (N, E_J, n', k_J)
        n, e, t, k = h.shape
        h = h.permute(0, 1, 3, 2).reshape(n, e * k, t)  # (N, E_J * k_J, n')
        return self.conv1d(h)
