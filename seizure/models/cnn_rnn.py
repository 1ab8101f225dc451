"""Hybrid convolutional + recurrent network producing a per-step seizure logit.

Stages of ``CnnRnn.forward_stages`` and their shapes (B batch, C montage channels, S output
steps, ``sps`` input samples or frames per output step, k features per channel):

- ``input``: raw front end (B, C, T) with T >= S * sps samples (the tail beyond the last whole
  step is dropped); LFCC front end (B, C * k, n) with n >= S * sps frames, channel-major rows
  (channel 0's k features first). Gaussian input noise (training only) keeps the shape.
- ``front_end``: (B, F, C, S), the shared per-channel convolutions of
  ``seizure.models.frontends`` (raw: (B, C, S * sps) in; LFCC: (B * C, 1, S * sps, k) in), F the
  last convolution's filter count.
- ``channel_pool``: (B, D, S), channels combined at each step: ``meanmax`` D = 2F (mean and
  max over channels: any montage size, location-free), ``mean``/``max`` D = F, ``conv`` D = 2F
  (a learned 1x1 convolution over all C * F channel features + activation; needs the channel
  count it was built with).
- ``rnn``: (B, S, H * directions), recurrent layers over the S steps (``seizure.models.rnn``).
- ``logits``: (B, S), dropout then a linear read-out per step; ``torch.sigmoid`` gives the
  seizure probability of each step.

Notes
-----
Golmohammadi et al. (2017) feed LFCC features through 2-D then 1-D convolutions into LSTM
layers; kernel sizes and unit counts are not published (``configs/model/golmohammadi2017.yaml``
states what is assumed). The default network works on the raw montaged signal instead, with the
pooling factors chosen so that one output step covers exactly ``step_s`` seconds.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from seizure.models.frontends import LfccFrontEnd, RawFrontEnd, make_activation, pool_factors
from seizure.models.regularization import GaussianNoise
from seizure.models.rnn import Recurrent

__all__ = ["CnnRnn", "pool_factors", "CONV_CHANNELS", "FRONT_ENDS", "CHANNEL_POOLINGS"]

#: Filters of the 1-D convolution blocks of the default network (also the configuration's default
#: ``model.conv_channels``).
CONV_CHANNELS = (8, 16, 32)

FRONT_ENDS = ("raw", "lfcc")
CHANNEL_POOLINGS = ("meanmax", "mean", "max", "conv")


class CnnRnn(nn.Module):
    """Convolutional front end per channel, channel pooling, recurrent layers, per-step logits.

    Parameters
    ----------
    n_channels : int
        Montage channels C (used by ``channel_pooling="conv"`` and to check LFCC input rows).
    sfreq : float
        Input rate in Hz: samples per second for the raw front end, frames per second for LFCC.
    step_s : float
        Output step in seconds; ``sfreq * step_s`` must be a whole number.
    rnn : {"lstm", "gru", "minimal_rnn", "rnn_tanh", "rnn_relu"}
        Recurrent cell (``seizure.models.rnn.CELLS``).
    conv_channels : list of int
        Filters of the 1-D convolution blocks (one pooling stage each); default
        :data:`CONV_CHANNELS`, also the configuration's default ``model.conv_channels``.
    kernel_size : int
        Length of the 1-D kernels (odd).
    hidden_size, num_layers : int
        Recurrent units per direction and recurrent layers (``seizure.models.rnn.Recurrent``).
    bidirectional : bool
        Run the recurrent layers in both directions (the output has ``2 * hidden_size`` features).
    dropout : float
        Dropout before the read-out and between recurrent layers.
    front_end : {"raw", "lfcc"}
        1-D convolutions over the montaged signal, or 2-D convolutions over LFCC features followed
        by 1-D convolutions.
    strided_blocks : int
        Raw front end: how many leading convolution blocks reduce the rate by their stride
        instead of by pooling (0 = pooling everywhere); see ``seizure.models.frontends.RawFrontEnd``.
    first_kernel_size : int
        Kernel of the first convolution when it is strided (odd).
    n_features : int
        Feature rows per channel k (1 for raw signal, 26 for the paper's LFCC).
    conv2d_channels : list of int
        Filters of the 2-D blocks over (frame, feature) (LFCC front end only).
    conv2d_kernel : (int, int)
        2-D kernel (frames, features), odd sizes.
    pooling : {"max", "avg"}
        Pooling over time (and features) inside the convolution blocks.
    channel_pooling : {"meanmax", "mean", "max", "conv"}
        How the channels are combined at each step (see the module docstring).
    activation : {"elu", "relu", "leaky_relu", "selu", "gelu", "tanh"}
        Activation after every convolution.
    batch_norm : bool
        Batch normalization after every convolution.
    recurrent_dropout : float
        Variational dropout on the recurrent state (Gal & Ghahramani 2016).
    input_noise : float
        Standard deviation of Gaussian noise added to the input while training.
    rnn_trainable : bool
        False freezes the recurrent layers at their initialization (reservoir baseline).
    """

    def __init__(
        self,
        n_channels: int,
        sfreq: float,
        step_s: float = 1.0,
        rnn: str = "lstm",
        conv_channels: list[int] | tuple[int, ...] = CONV_CHANNELS,
        kernel_size: int = 7,
        hidden_size: int = 64,
        num_layers: int = 1,
        bidirectional: bool = True,
        dropout: float = 0.3,
        front_end: str = "raw",
        n_features: int = 1,
        conv2d_channels: list[int] | tuple[int, ...] = (8, 16),
        conv2d_kernel: list[int] | tuple[int, int] = (3, 3),
        pooling: str = "max",
        channel_pooling: str = "meanmax",
        activation: str = "elu",
        batch_norm: bool = True,
        recurrent_dropout: float = 0.0,
        input_noise: float = 0.0,
        rnn_trainable: bool = True,
        strided_blocks: int = 2,
        first_kernel_size: int = 11,
    ) -> None:
        super().__init__()
        sps = sfreq * step_s
        if abs(sps - round(sps)) > 1e-6 or round(sps) < 1:
            raise ValueError(f"sfreq * step_s must be a whole number of samples, got {sps}")
        for name, value, allowed in (
            ("front_end", front_end, FRONT_ENDS),
            ("channel_pooling", channel_pooling, CHANNEL_POOLINGS),
            ("pooling", pooling, ("max", "avg")),
        ):
            if value not in allowed:
                raise ValueError(f"{name} must be one of {list(allowed)}, got {value!r}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        if front_end == "raw" and n_features != 1:
            raise ValueError(
                f"the raw front end takes one row per channel, got n_features={n_features} "
                "(is the cache made of LFCC features? then use front_end='lfcc')"
            )
        self.samples_per_step = int(round(sps))
        self.n_channels = int(n_channels)
        self.n_features = int(n_features)
        self.front_end_kind = front_end
        self.channel_pooling = channel_pooling
        self.noise = GaussianNoise(input_noise)
        if front_end == "raw":
            self.front = RawFrontEnd(
                self.samples_per_step,
                list(conv_channels),
                kernel_size,
                activation,
                pooling,
                batch_norm,
                strided_blocks,
                first_kernel_size,
            )
        else:
            self.front = LfccFrontEnd(
                self.samples_per_step,
                self.n_features,
                list(conv2d_channels),
                conv2d_kernel,
                list(conv_channels),
                kernel_size,
                activation,
                pooling,
                batch_norm,
            )
        f = self.front.out_channels
        if channel_pooling == "conv":
            self.mix = nn.Sequential(nn.Conv1d(self.n_channels * f, 2 * f, 1), make_activation(activation))
            d = 2 * f
        else:
            self.mix = None
            d = 2 * f if channel_pooling == "meanmax" else f
        self.rnn = Recurrent(rnn, d, hidden_size, num_layers, bidirectional, dropout, recurrent_dropout, rnn_trainable)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(self.rnn.output_size, 1)

    def forward_stages(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Every stage's output, keyed as in the module docstring (``logits`` last).

        Parameters
        ----------
        x : torch.Tensor
            Raw front end: (B, C, T) montaged signal, T samples at ``sfreq``. LFCC front end:
            (B, C * k, n) features, channel-major rows, n frames at ``sfreq``. Samples beyond
            the last whole output step are dropped.

        Returns
        -------
        dict of str to torch.Tensor
            ``input`` (B, rows, T), ``front_end`` (B, F, C, S), ``channel_pool`` (B, D, S),
            ``rnn`` (B, S, H * directions) and ``logits`` (B, S), with S = T // samples_per_step.

        Raises
        ------
        ValueError
            For LFCC input whose row count is not ``n_channels * n_features``, or for
            ``channel_pooling="conv"`` with a channel count other than the one it was built with.
        """
        b, rows, t = x.shape
        c, k, sps = self.n_channels, self.n_features, self.samples_per_step
        if k > 1 and rows != c * k:
            raise ValueError(f"expected {c} channels x {k} features = {c * k} input rows, got {rows}")
        c = rows // k
        s = t // sps
        out = {"input": x}
        x = self.noise(x[:, :, : s * sps])
        if self.front_end_kind == "raw":
            h = self.front(x)
        else:  # (B, C*k, n) -> (B*C, 1, n, k) -> (B*C, F, S) -> (B, F, C, S)
            h = self.front(x.reshape(b * c, k, s * sps).transpose(1, 2).unsqueeze(1))
            h = h.reshape(b, c, h.shape[1], h.shape[2]).transpose(1, 2)
        out["front_end"] = h  # (B, F, C, S)
        if self.channel_pooling == "meanmax":
            p = torch.cat([h.mean(dim=2), h.amax(dim=2)], dim=1)
        elif self.channel_pooling == "mean":
            p = h.mean(dim=2)
        elif self.channel_pooling == "max":
            p = h.amax(dim=2)
        else:
            if c != self.n_channels:
                raise ValueError(f"channel_pooling='conv' was built for {self.n_channels} channels, got {c}")
            p = self.mix(h.transpose(1, 2).reshape(b, c * h.shape[1], h.shape[3]))
        out["channel_pool"] = p  # (B, D, S)
        r = self.rnn(p.transpose(1, 2))
        out["rnn"] = r  # (B, S, H*dirs)
        out["logits"] = self.head(self.dropout(r)).squeeze(-1)  # (B, S)
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, T) raw or (B, C * k, n) LFCC -> (B, S) logits, S = T // samples_per_step.

        Parameters
        ----------
        x : torch.Tensor
            Input windows as in :meth:`forward_stages`: (B, C, T) raw or (B, C * k, n) LFCC.

        Returns
        -------
        torch.Tensor
            (B, S) per-step logits; ``torch.sigmoid`` gives the seizure probability of each step.
        """
        return self.forward_stages(x)["logits"]

    def n_parameters(self) -> int:
        """Number of scalar parameters of the network, trainable or frozen.

        Returns
        -------
        int
            Sum of the element counts of every parameter tensor.
        """
        return int(sum(math.prod(p.shape) for p in self.parameters()))
