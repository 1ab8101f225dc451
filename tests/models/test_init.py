"""Every registered initializer against its formula (registry-driven: a new entry without an
expectation here fails ``test_every_initializer_has_an_expectation``)."""

import math

import numpy as np
import pytest
import torch

from seizure.models import build_model
from seizure.models.init import INITIALIZERS, InitParams, compute_fans, critical_gain, init_tensor, initialize
from seizure.models.rnn import Recurrent

# Shapes in PyTorch layout: dense/recurrent (out, in), Conv1d (out, in, k), Conv2d (out, in, kh, kw),
# a stacked LSTM input matrix (4H, I).
SHAPES = [(300, 400), (400, 300), (96, 40, 7), (48, 16, 5, 5), (4 * 96, 120)]
TRUNC_FACTOR = 0.8796256610342398  # std of N(0, 1) truncated at +-2
TRUNC_INSIDE_1SD = 0.682689492 / 0.954499736  # P(|z| < 1 | |z| < 2)


def keras_fans(shape):
    """Independent restatement of Keras 2's fans for PyTorch-layout shapes."""
    rf = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * rf, shape[0] * rf


def draw(name, shape, **params):
    torch.manual_seed(0)
    t = torch.empty(shape, dtype=torch.float64)
    init_tensor(name, t, params=InitParams(**params))
    return t.numpy()


def check_uniform(x, limit):
    assert np.abs(x).max() <= limit + 1e-12
    assert np.abs(x).max() > 0.99 * limit
    assert abs(x.mean()) < 5 * limit / math.sqrt(3 * x.size)
    assert x.var() == pytest.approx(limit**2 / 3, rel=0.03)


def check_truncated(x, std):
    assert np.abs(x).max() <= 2 * std + 1e-12
    assert abs(x.mean()) < 5 * std / math.sqrt(x.size)
    assert x.std() == pytest.approx(TRUNC_FACTOR * std, rel=0.03)  # Keras 2 (2017): no correction
    assert np.mean(np.abs(x) < std) == pytest.approx(TRUNC_INSIDE_1SD, abs=0.01)


def check_orthogonal(x, gain=1.0):
    m = x.reshape(x.shape[0], -1)
    g = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
    np.testing.assert_allclose(g, gain**2 * np.eye(g.shape[0]), atol=1e-8)


def expect_zeros(name, shape):
    assert np.all(draw(name, shape) == 0)


def expect_uniform(limit_fn):
    def check(name, shape):
        check_uniform(draw(name, shape), limit_fn(*keras_fans(shape)))

    return check


def expect_truncated(std_fn):
    def check(name, shape):
        check_truncated(draw(name, shape), std_fn(*keras_fans(shape)))

    return check


def expect_orthogonal(name, shape):
    check_orthogonal(draw(name, shape))
    check_orthogonal(draw(name, shape, gain=1.7), 1.7)


def expect_identity(name, shape):
    if len(shape) != 2:
        with pytest.raises(ValueError, match="matrices"):
            draw(name, shape)
        return
    np.testing.assert_array_equal(draw(name, shape, gain=0.5), 0.5 * np.eye(*shape))


def expect_critical(name, shape):
    check_orthogonal(draw(name, shape), 1.0)
    g = critical_gain(0.3)
    assert g > 1.0
    check_orthogonal(draw(name, shape, critical_sigma_b=0.3), g)


def expect_rai(name, shape):
    x = draw(name, shape).reshape(shape[0], -1)
    fan_in = x.shape[1]
    sigma2 = 0.6007**2 / fan_in
    q = fan_in / (fan_in + 1)  # chance that the Beta(2, 1) entry of a row is a weight, not the bias
    assert x.mean() == pytest.approx(q * (2 / 3) / fan_in, abs=6 * math.sqrt(sigma2 / x.size) + 1e-4)
    second = sigma2 + q * (0.5 - sigma2) / fan_in
    assert np.mean(x**2) == pytest.approx(second, rel=0.06)
    # each row holds at most one entry from Beta(2, 1); the symmetric part is tiny in comparison
    assert np.all(x.max(axis=1) <= 1.0)


def expect_gate_bias(name, shape):
    """Gate-bias initializers: checked on recurrent layers (shape unused)."""
    torch.manual_seed(0)
    H = 256
    for cell, keep in (("lstm", 1), ("gru", 1), ("minimal_rnn", 0)):
        rec = Recurrent(cell, 8, H, num_layers=2, bidirectional=True)
        for ih, hh in rec.gate_biases():
            ih is None or torch.nn.init.zeros_(ih)
            torch.nn.init.zeros_(hh)
        params = InitParams(chrono_max_steps=16.0, gate_bias_value=3.0)
        with torch.no_grad():
            INITIALIZERS[name].fn(rec, params)
        total = [((ih if ih is not None else 0) + hh).detach().numpy() for ih, hh in rec.gate_biases()]
        keep_vals = np.concatenate([t[keep * H : (keep + 1) * H] for t in total])
        others = np.concatenate([np.delete(t, np.s_[keep * H : (keep + 1) * H]) for t in total])
        if name == "unit_forget":
            assert np.all(keep_vals == 1.0) and np.all(others == 0.0)
        elif name == "keep_gate":
            assert np.all(keep_vals == 3.0) and np.all(others == 0.0)
        else:  # chrono: exp(b) ~ U(1, T_max - 1); LSTM input gate = -b
            e = np.exp(keep_vals)
            assert e.min() >= 1.0 - 1e-9 and e.max() <= 15.0 + 1e-9
            assert e.mean() == pytest.approx(8.0, abs=5 * 4.05 / math.sqrt(e.size))
            assert e.var() == pytest.approx(14.0**2 / 12, rel=0.15)
            if cell == "lstm":
                inp = np.concatenate([t[:H] for t in total])
                np.testing.assert_allclose(inp, -keep_vals)
                assert np.all(np.concatenate([t[2 * H :] for t in total]) == 0.0)


EXPECTED = {
    "zeros": expect_zeros,
    "random_uniform": expect_uniform(lambda fi, fo: 0.05),
    "truncated_normal": expect_truncated(lambda fi, fo: 0.05),
    "lecun_uniform": expect_uniform(lambda fi, fo: math.sqrt(3 / fi)),
    "glorot_uniform": expect_uniform(lambda fi, fo: math.sqrt(6 / (fi + fo))),
    "he_uniform": expect_uniform(lambda fi, fo: math.sqrt(6 / fi)),
    "lecun_normal": expect_truncated(lambda fi, fo: math.sqrt(1 / fi)),
    "glorot_normal": expect_truncated(lambda fi, fo: math.sqrt(2 / (fi + fo))),
    "he_normal": expect_truncated(lambda fi, fo: math.sqrt(2 / fi)),
    "variance_scaling": expect_truncated(lambda fi, fo: math.sqrt(1 / fi)),
    "orthogonal": expect_orthogonal,
    "identity": expect_identity,
    "critical_orthogonal": expect_critical,
    "randomized_asymmetric": expect_rai,
    "unit_forget": expect_gate_bias,
    "chrono": expect_gate_bias,
    "keep_gate": expect_gate_bias,
}


def test_every_initializer_has_an_expectation():
    assert set(EXPECTED) == set(INITIALIZERS)
    paper = {"orthogonal", "lecun_uniform", "glorot_uniform", "glorot_normal", "variance_scaling",
             "lecun_normal", "he_normal", "random_uniform", "truncated_normal", "he_uniform"}  # fmt: skip
    assert paper <= set(INITIALIZERS)


@pytest.mark.parametrize("name", sorted(n for n, i in INITIALIZERS.items() if i.target == "tensor"))
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_tensor_initializer_statistics_match_formula(name, shape):
    EXPECTED[name](name, shape)


@pytest.mark.parametrize("name", sorted(n for n, i in INITIALIZERS.items() if i.target == "gate_bias"))
def test_gate_bias_initializer_matches_formula(name):
    EXPECTED[name](name, None)


def test_fans_follow_keras():
    assert compute_fans((64, 32)) == (32, 64)
    assert compute_fans((16, 8, 5)) == (40, 80)
    assert compute_fans((16, 8, 3, 3)) == (72, 144)
    assert compute_fans((4 * 10, 10)) == (10, 40)  # LSTM recurrent kernel: H in, gates x units out
    assert compute_fans((12,)) == (12, 12)


def test_critical_gain_is_on_the_order_to_chaos_line():
    assert critical_gain(0.0) == 1.0
    z = np.random.default_rng(0).standard_normal(100_000)
    for sb in (0.05, 0.3):
        sw = critical_gain(sb)
        q = 1.0
        for _ in range(100):
            q = sw**2 * np.mean(np.tanh(math.sqrt(q) * z) ** 2) + sb**2
        chi = sw**2 * np.mean(1 / np.cosh(math.sqrt(q) * z) ** 4)
        assert chi == pytest.approx(1.0, abs=0.02)


@pytest.mark.parametrize("cell, gates", [("lstm", 4), ("gru", 3), ("minimal_rnn", 1), ("rnn_relu", 1)])
def test_hidden_matrices_are_initialized_per_gate_block(cell, gates):
    torch.manual_seed(1)
    H = 48
    rec = Recurrent(cell, 20, H, num_layers=2, bidirectional=True)
    initialize(rec, rnn_hidden="orthogonal", rnn_input="glorot_uniform")
    hidden = [p for n, p in rec.core.named_parameters() if n.startswith("weight_hh")]
    assert len(hidden) == 4
    for w in hidden:
        assert w.shape == (gates * H, H)
        for block in w.detach().double().numpy().reshape(gates, H, H):
            np.testing.assert_allclose(block @ block.T, np.eye(H), atol=1e-5)
    # distribution initializers use the whole matrix's fans (fan_out = gates x units)
    initialize(rec, rnn_hidden="glorot_uniform")
    limit = math.sqrt(6 / (H + gates * H))
    w = torch.cat([p.detach().flatten() for n, p in rec.core.named_parameters() if n.startswith("weight_hh")])
    assert w.abs().max() <= limit and w.abs().max() > 0.95 * limit
    initialize(rec, rnn_hidden="identity", gain=0.9)
    for w in (p for n, p in rec.core.named_parameters() if n.startswith("weight_hh")):
        for block in w.detach().numpy().reshape(gates, H, H):
            np.testing.assert_allclose(block, 0.9 * np.eye(H), atol=1e-7)


def test_initialize_touches_only_the_chosen_groups():
    torch.manual_seed(0)
    net = build_model("cnn_rnn", n_channels=4, sfreq=10.0, conv_channels=[4, 8], kernel_size=3, hidden_size=6)
    before = {n: p.detach().clone() for n, p in net.named_parameters()}
    counts = initialize(net, conv="zeros", output="zeros")
    assert counts["conv"] == 2 and counts["output"] == 1 and counts["rnn_hidden"] == 0
    for n, p in net.named_parameters():
        if n.endswith("weight") and ("front.conv" in n and p.dim() >= 3 or n == "head.weight"):
            assert torch.all(p == 0), n
        else:
            assert torch.equal(p, before[n]), n  # biases, BatchNorm, recurrent layers untouched
    with pytest.raises(ValueError, match="init.conv.*glorot_unifrom"):
        initialize(net, conv="glorot_unifrom")
    with pytest.raises(ValueError, match="gate_bias"):
        initialize(net, gate_bias="orthogonal")
