"""Named weight initializations, chosen per parameter group (see ``seizure.models.groups``).

The registry ``INITIALIZERS`` maps a name to an ``Initializer``. Two kinds:

- ``target="tensor"``: fills one tensor from its shape, fan-in and fan-out. Used for the groups
  ``conv``, ``rnn_input``, ``rnn_hidden`` (applied to each gate block separately), ``bias`` and
  ``output``.
- ``target="gate_bias"``: sets gate biases of every recurrent layer (applied after ``bias``).

Fans follow Keras 2 (2017): a kernel (out, in, *kernel) has ``fan_in = in * prod(kernel)`` and
``fan_out = out * prod(kernel)``; a recurrent input matrix (G * H, I) has fan_in I and fan_out
G * H (gates x units); a hidden matrix (G * H, H) has fan_in H and fan_out G * H, also when it is
filled one gate block at a time; a vector of n entries has fan_in = fan_out = n.

=========================  ===================================================================
name                       distribution
=========================  ===================================================================
``zeros``                  0
``random_uniform``         U(-0.05, 0.05)
``truncated_normal``       N(0, 0.05^2) truncated at 2 std
``lecun_uniform``          U(+-sqrt(3 / fan_in))
``glorot_uniform``         U(+-sqrt(6 / (fan_in + fan_out)))
``he_uniform``             U(+-sqrt(6 / fan_in))
``lecun_normal``           N(0, 1 / fan_in) truncated at 2 std
``glorot_normal``          N(0, 2 / (fan_in + fan_out)) truncated at 2 std
``he_normal``              N(0, 2 / fan_in) truncated at 2 std
``variance_scaling``       N(0, 1 / fan_in) truncated at 2 std (Keras: scale 1, mode fan_in)
``orthogonal``             gain * Q, Q from the QR decomposition of a Gaussian matrix (Haar)
``identity``               gain * I (IRNN, Le, Jaitly & Hinton 2015)
``critical_orthogonal``    critical_gain(sigma_b) * Q (Chen, Pennington & Schoenholz 2018)
``randomized_asymmetric``  RAI (Lu, Shin, Su & Karniadakis 2019)
``unit_forget``            keep-gate bias 1, other biases as set by ``bias`` (Keras LSTM)
``chrono``                 keep-gate bias log U(1, T_max - 1), LSTM input gate its negative
                           (Tallec & Ollivier 2018)
``keep_gate``              keep-gate bias = ``gate_bias_value`` (e.g. a large value puts a
                           minimalRNN in the long-memory regime of Chen et al. 2018)
=========================  ===================================================================

Matrix-shaped initializers (orthogonal, identity, critical, RAI) see a kernel as the 2-D matrix
(out, in * prod(kernel)).

Notes
-----
Keras 2.0 drew its normal initializers from ``truncated_normal(stddev=sqrt(scale / n))`` without
correcting for the truncation, so the empirical standard deviation is ``0.8796`` times the
nominal one; this is reproduced on purpose (later Keras versions divide by 0.8796).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
from torch import nn

from seizure.models.groups import parameter_groups
from seizure.models.rnn import KEEP_GATE, Recurrent, gate_slice

__all__ = [
    "INITIALIZERS",
    "Initializer",
    "InitParams",
    "TENSOR_INITIALIZERS",
    "GATE_BIAS_INITIALIZERS",
    "GROUP_KEYS",
    "compute_fans",
    "critical_gain",
    "init_tensor",
    "initialize",
]

logger = logging.getLogger("seizure")

GROUP_KEYS = ("conv", "rnn_input", "rnn_hidden", "bias", "output")
TRUNC_STD_FACTOR = 0.8796256610342398  # std of a standard normal truncated at +-2


@dataclass
class InitParams:
    """Parameters some initializers take (each ignores the others).

    Parameters
    ----------
    gain : float
        Scale of ``orthogonal`` and ``identity``.
    critical_sigma_b : float
        Bias standard deviation of ``critical_orthogonal`` (:func:`critical_gain`).
    chrono_max_steps : float
        ``T_max`` of ``chrono``: the longest dependency, in recurrent steps.
    gate_bias_value : float
        Keep-gate bias of ``keep_gate``.
    """

    gain: float = 1.0
    critical_sigma_b: float = 0.0
    chrono_max_steps: float = 16.0
    gate_bias_value: float = 1.0


@dataclass(frozen=True)
class Initializer:
    """A registry entry: ``fn`` fills a tensor (``target="tensor"``) or a layer's gate biases.

    Parameters
    ----------
    name : str
        Registry key.
    fn : callable
        ``fn(t, fan_in, fan_out, params)`` filling tensor ``t`` in place (``target="tensor"``), or
        ``fn(recurrent, params)`` setting the gate biases of a recurrent layer (``"gate_bias"``).
    target : {"tensor", "gate_bias"}
        What ``fn`` initializes.
    formula : str
        The distribution, for documentation and run records.
    """

    name: str
    fn: Callable
    target: str
    formula: str


def compute_fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """Keras-style ``(fan_in, fan_out)`` of a PyTorch-layout tensor shape (see module docstring).

    Parameters
    ----------
    shape : tuple of int
        Tensor shape: (out, in, *kernel), (G * H, in) or (n,).

    Returns
    -------
    fan_in, fan_out : int
        ``in * prod(kernel)`` and ``out * prod(kernel)``; ``n`` and ``n`` for a vector, 1 and 1 for a scalar.
    """
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return int(shape[0]), int(shape[0])
    rf = math.prod(shape[2:]) if len(shape) > 2 else 1
    return int(shape[1] * rf), int(shape[0] * rf)


# ---------------------------------------------------------------- tensor initializers
def _uniform(t, limit):
    nn.init.uniform_(t, -limit, limit)


def _trunc(t, std):
    nn.init.trunc_normal_(t, 0.0, std, -2.0 * std, 2.0 * std)


def _as_matrix(t: torch.Tensor) -> tuple[int, int]:
    rows = t.shape[0]
    return rows, t.numel() // max(rows, 1)


def _orthogonal_matrix(rows: int, cols: int, dtype) -> torch.Tensor:
    a = torch.randn(max(rows, cols), min(rows, cols), dtype=torch.float64)
    q, r = torch.linalg.qr(a)
    q = q * torch.sign(torch.diagonal(r)).unsqueeze(0)  # Haar-distributed, not biased by QR signs
    return (q if rows >= cols else q.T).to(dtype)


def _orthogonal(t, fan_in, fan_out, p: InitParams):
    rows, cols = _as_matrix(t)
    t.copy_(p.gain * _orthogonal_matrix(rows, cols, t.dtype).reshape(t.shape))


def _identity(t, fan_in, fan_out, p: InitParams):
    if t.dim() != 2:
        raise ValueError(f"identity initialization applies to matrices, got a tensor of shape {tuple(t.shape)}")
    t.copy_(p.gain * torch.eye(t.shape[0], t.shape[1], dtype=t.dtype))


@lru_cache(maxsize=32)
def critical_gain(sigma_b: float = 0.0) -> float:
    """Weight scale ``sigma_w`` on the order-to-chaos line of a tanh recurrent network.

    Mean-field theory (Chen, Pennington & Schoenholz 2018, Sec. 3): the pre-activation variance
    has the fixed point ``q* = sigma_w^2 E[tanh(sqrt(q*) z)^2] + sigma_b^2`` and perturbations grow
    by ``chi = sigma_w^2 E[tanh'(sqrt(q*) z)^2]`` per step; ``chi = 1`` is critical. With
    ``sigma_b = 0`` this is ``sigma_w = 1``; larger bias noise needs a slightly larger gain.

    Parameters
    ----------
    sigma_b : float
        Standard deviation of the biases.

    Returns
    -------
    float
        The critical ``sigma_w`` (1 for ``sigma_b <= 0``).
    """
    if sigma_b <= 0:
        return 1.0
    nodes, weights = np.polynomial.hermite_e.hermegauss(121)
    weights = weights / math.sqrt(2.0 * math.pi)

    def chi(sw: float) -> float:
        q = 1.0
        for _ in range(2000):
            q_new = sw**2 * float(np.sum(weights * np.tanh(math.sqrt(q) * nodes) ** 2)) + sigma_b**2
            if abs(q_new - q) < 1e-13:
                break
            q = q_new
        return sw**2 * float(np.sum(weights / np.cosh(math.sqrt(q) * nodes) ** 4))

    lo, hi = 1.0, 3.0
    while chi(hi) < 1.0:
        hi *= 2.0
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if chi(mid) < 1.0 else (lo, mid)
    return 0.5 * (lo + hi)


def _critical_orthogonal(t, fan_in, fan_out, p: InitParams):
    rows, cols = _as_matrix(t)
    g = critical_gain(p.critical_sigma_b)
    t.copy_(g * _orthogonal_matrix(rows, cols, t.dtype).reshape(t.shape))


RAI_STD = 0.6007  # symmetric part: N(0, RAI_STD^2 / fan_in)


def _randomized_asymmetric(t, fan_in, fan_out, p: InitParams):
    """Each row: fan_in weights plus one virtual bias ~ N(0, 0.6007^2 / fan_in); one of those
    fan_in + 1 entries, chosen uniformly, is replaced by a Beta(2, 1) draw. The bias column is
    dropped (biases belong to the ``bias`` group)."""
    rows, cols = _as_matrix(t)
    v = torch.randn(rows, cols + 1, dtype=torch.float64) * (RAI_STD / math.sqrt(cols))
    k = torch.randint(0, cols + 1, (rows,))
    beta21 = torch.sqrt(torch.rand(rows, dtype=torch.float64))  # inverse CDF of Beta(2, 1): x^2
    v[torch.arange(rows), k] = beta21
    t.copy_(v[:, :cols].reshape(t.shape).to(t.dtype))


def _simple(fn: Callable) -> Callable:
    def wrapped(t, fan_in, fan_out, p: InitParams):
        fn(t, fan_in, fan_out)

    return wrapped


_TENSOR = {
    "zeros": (_simple(lambda t, fi, fo: nn.init.zeros_(t)), "0"),
    "random_uniform": (_simple(lambda t, fi, fo: _uniform(t, 0.05)), "U(-0.05, 0.05)"),
    "truncated_normal": (_simple(lambda t, fi, fo: _trunc(t, 0.05)), "N(0, 0.05^2) truncated at 2 std"),
    "lecun_uniform": (_simple(lambda t, fi, fo: _uniform(t, math.sqrt(3.0 / fi))), "U(+-sqrt(3/fan_in))"),
    "glorot_uniform": (
        _simple(lambda t, fi, fo: _uniform(t, math.sqrt(6.0 / (fi + fo)))),
        "U(+-sqrt(6/(fan_in+fan_out)))",
    ),
    "he_uniform": (_simple(lambda t, fi, fo: _uniform(t, math.sqrt(6.0 / fi))), "U(+-sqrt(6/fan_in))"),
    "lecun_normal": (_simple(lambda t, fi, fo: _trunc(t, math.sqrt(1.0 / fi))), "TN(0, 1/fan_in)"),
    "glorot_normal": (
        _simple(lambda t, fi, fo: _trunc(t, math.sqrt(2.0 / (fi + fo)))),
        "TN(0, 2/(fan_in+fan_out))",
    ),
    "he_normal": (_simple(lambda t, fi, fo: _trunc(t, math.sqrt(2.0 / fi))), "TN(0, 2/fan_in)"),
    "variance_scaling": (_simple(lambda t, fi, fo: _trunc(t, math.sqrt(1.0 / fi))), "TN(0, 1/fan_in)"),
    "orthogonal": (_orthogonal, "gain * Haar orthogonal"),
    "identity": (_identity, "gain * I"),
    "critical_orthogonal": (_critical_orthogonal, "critical_gain(sigma_b) * Haar orthogonal"),
    "randomized_asymmetric": (_randomized_asymmetric, "RAI: N(0, 0.6007^2/fan_in), one Beta(2,1) per row"),
}


# ---------------------------------------------------------------- gate-bias initializers
def _set_gate(ih: torch.Tensor | None, hh: torch.Tensor, rows: slice, value: torch.Tensor | float) -> None:
    """Make the effective bias (ih + hh) of the ``rows`` block equal ``value``."""
    if ih is None:
        hh[rows] = value
    else:
        ih[rows] = value
        hh[rows] = 0.0


def _unit_forget(rec: Recurrent, p: InitParams) -> None:
    _keep_value(rec, 1.0)


def _keep_gate(rec: Recurrent, p: InitParams) -> None:
    _keep_value(rec, p.gate_bias_value)


def _keep_value(rec: Recurrent, value: float) -> None:
    gate = KEEP_GATE.get(rec.cell)
    if gate is None:
        return
    rows = gate_slice(rec.cell, gate, rec.hidden_size)
    for ih, hh in rec.gate_biases():
        _set_gate(ih, hh, rows, value)


def _chrono(rec: Recurrent, p: InitParams) -> None:
    gate = KEEP_GATE.get(rec.cell)
    if gate is None:
        return
    if p.chrono_max_steps <= 2:
        raise ValueError(f"chrono initialization needs chrono_max_steps > 2, got {p.chrono_max_steps}")
    rows = gate_slice(rec.cell, gate, rec.hidden_size)
    for ih, hh in rec.gate_biases():
        b = torch.log(torch.empty(rec.hidden_size, dtype=hh.dtype).uniform_(1.0, p.chrono_max_steps - 1.0))
        _set_gate(ih, hh, rows, b)
        if rec.cell == "lstm":
            _set_gate(ih, hh, gate_slice("lstm", "input", rec.hidden_size), -b)


_GATE = {
    "unit_forget": (_unit_forget, "keep-gate bias 1"),
    "chrono": (_chrono, "keep gate log U(1, T_max-1); LSTM input gate its negative"),
    "keep_gate": (_keep_gate, "keep-gate bias = gate_bias_value"),
}

INITIALIZERS: dict[str, Initializer] = {
    **{n: Initializer(n, fn, "tensor", f) for n, (fn, f) in _TENSOR.items()},
    **{n: Initializer(n, fn, "gate_bias", f) for n, (fn, f) in _GATE.items()},
}
TENSOR_INITIALIZERS = tuple(n for n, i in INITIALIZERS.items() if i.target == "tensor")
GATE_BIAS_INITIALIZERS = tuple(n for n, i in INITIALIZERS.items() if i.target == "gate_bias")


@torch.no_grad()
def init_tensor(name: str, t: torch.Tensor, blocks: int = 1, params: InitParams | None = None) -> torch.Tensor:
    """Fill ``t`` in place with the tensor initializer ``name``.

    Parameters
    ----------
    name : str
        A key of ``INITIALIZERS`` with ``target="tensor"``.
    t : Tensor
        PyTorch layout: (out, in, *kernel) for kernels, (G * H, in) for recurrent matrices.
    blocks : int
        Number of gate blocks stacked along dim 0; each is filled on its own (so each block of a
        recurrent matrix is orthogonal), with the fans of the whole tensor.
    params : InitParams, optional
        Parameters of the initializers that take any (default: ``InitParams()``).

    Returns
    -------
    Tensor
        ``t``.

    Raises
    ------
    ValueError
        For an unknown name or a tensor whose rows do not split into ``blocks``.
    """
    init = INITIALIZERS.get(name)
    if init is None or init.target != "tensor":
        raise ValueError(f"unknown tensor initializer {name!r}; expected one of {sorted(TENSOR_INITIALIZERS)}")
    params = params or InitParams()
    fan_in, fan_out = compute_fans(tuple(t.shape))
    if t.shape[0] % blocks:
        raise ValueError(f"cannot split {tuple(t.shape)} into {blocks} gate blocks")
    for block in t.chunk(blocks, dim=0) if blocks > 1 else (t,):
        init.fn(block, fan_in, fan_out, params)
    return t


@torch.no_grad()
def initialize(
    net: nn.Module,
    conv: str = "default",
    rnn_input: str = "default",
    rnn_hidden: str = "default",
    bias: str = "default",
    gate_bias: str = "none",
    output: str = "default",
    gain: float = 1.0,
    critical_sigma_b: float = 0.0,
    chrono_max_steps: float = 16.0,
    gate_bias_value: float = 1.0,
) -> dict[str, int]:
    """Initialize ``net``'s parameters group by group.

    Parameters
    ----------
    net : nn.Module
        The network, initialized in place.
    conv, rnn_input, rnn_hidden, bias, output : str
        A tensor initializer per group, or ``"default"`` to keep PyTorch's own initialization.
        ``rnn_hidden`` is applied per gate block.
    gate_bias : str
        ``"none"`` or a gate-bias initializer (``unit_forget``, ``chrono``, ``keep_gate``),
        applied to every recurrent layer after ``bias``.
    gain, critical_sigma_b, chrono_max_steps, gate_bias_value : float
        See ``InitParams`` and the module docstring.

    Returns
    -------
    dict
        Number of tensors initialized per group (for the run record).
    """
    choice = {"conv": conv, "rnn_input": rnn_input, "rnn_hidden": rnn_hidden, "bias": bias, "output": output}
    for group, name in choice.items():
        if name != "default" and name not in TENSOR_INITIALIZERS:
            raise ValueError(
                f"init.{group}: unknown initializer {name!r}; expected 'default' or one of {sorted(TENSOR_INITIALIZERS)}"
            )
    if gate_bias != "none" and gate_bias not in GATE_BIAS_INITIALIZERS:
        raise ValueError(
            f"init.gate_bias: unknown {gate_bias!r}; expected 'none' or one of {sorted(GATE_BIAS_INITIALIZERS)}"
        )
    params = InitParams(gain, critical_sigma_b, chrono_max_steps, gate_bias_value)
    counts = {g: 0 for g in (*GROUP_KEYS, "gate_bias")}
    for info in parameter_groups(net):
        name = choice.get(info.group, "default")
        if name == "default":
            continue
        init_tensor(name, info.param.data, info.blocks, params)
        counts[info.group] += 1
    if gate_bias != "none":
        for m in net.modules():
            if isinstance(m, Recurrent) and m.cell in KEEP_GATE:
                INITIALIZERS[gate_bias].fn(m, params)
                counts["gate_bias"] += 1
    logger.debug("initialized %s", counts)
    return counts
