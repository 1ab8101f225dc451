"""Registry-driven network checks: documented stage shapes, cells, regularizers, round trips."""

import io

import numpy as np
import pytest
import torch

from seizure.models import REGISTRY, build_model
from seizure.models.cnn_rnn import CnnRnn
from seizure.models.groups import parameter_groups
from seizure.models.rnn import CELLS, Recurrent
from seizure.preprocessing.features import lfcc

SMALL = dict(conv_channels=[4, 8], kernel_size=5, hidden_size=6)
LFCC = dict(front_end="lfcc", n_features=26, conv2d_channels=[3, 4], conv_channels=[5], kernel_size=3, hidden_size=6)


def expected_stages(kind, b, c, t, sps, k, f_last, pooling, hidden, dirs):
    """The shapes the module docstring of seizure.models.cnn_rnn states."""
    s = t // sps
    d = 2 * f_last if pooling in ("meanmax", "conv") else f_last
    return {
        "input": (b, c * k, t),
        "front_end": (b, f_last, c, s),
        "channel_pool": (b, d, s),
        "rnn": (b, s, hidden * dirs),
        "logits": (b, s),
    }


def test_module_docstring_names_every_stage():
    import seizure.models.cnn_rnn as mod

    net = build_model("cnn_rnn", n_channels=3, sfreq=10.0, **SMALL)
    stages = net.forward_stages(torch.randn(1, 3, 40))
    for name in stages:
        assert f"``{name}``" in mod.__doc__


@pytest.mark.parametrize("rnn", sorted(CELLS))
@pytest.mark.parametrize("b, c, seconds, extra", [(1, 22, 16, 0), (3, 20, 7, 37), (2, 22, 1, 99)])
@pytest.mark.parametrize("pooling", ["meanmax", "mean", "max", "conv"])
@pytest.mark.parametrize("first", [0, 1, 2])
def test_raw_stage_shapes(rnn, b, c, seconds, extra, pooling, first):
    sfreq = 50.0
    net = build_model("cnn_rnn", n_channels=c, sfreq=sfreq, rnn=rnn, channel_pooling=pooling,
                      bidirectional=rnn != "gru", strided_blocks=first, **SMALL)  # fmt: skip
    t = int(seconds * sfreq) + extra
    got = {k: tuple(v.shape) for k, v in net.forward_stages(torch.randn(b, c, t)).items()}
    dirs = 1 if rnn == "gru" else 2
    assert got == expected_stages("raw", b, c, t, 50, 1, 8, pooling, 6, dirs)


@pytest.mark.parametrize("b, c, seconds, step_s", [(1, 22, 16, 1.0), (2, 20, 5, 1.0), (2, 22, 8, 2.0)])
def test_lfcc_stage_shapes(b, c, seconds, step_s):
    net = build_model("cnn_rnn", n_channels=c, sfreq=10.0, step_s=step_s, **LFCC)
    n = int(seconds * 10) + 3
    got = {k: tuple(v.shape) for k, v in net.forward_stages(torch.randn(b, c * 26, n)).items()}
    assert got == expected_stages("lfcc", b, c, n, int(10 * step_s), 26, 5, "meanmax", 6, 2)


def test_lfcc_network_reads_lfcc_step_output():
    x = np.random.default_rng(0).standard_normal((22, 1600))
    feats, rate = lfcc(x, 100.0)
    net = build_model("cnn_rnn", n_channels=22, sfreq=rate, channel_pooling="conv", **LFCC)
    assert net(torch.from_numpy(feats)[None]).shape == (1, 16)
    with pytest.raises(ValueError, match="572 input rows"):
        net(torch.randn(1, 22 * 25, 160))
    with pytest.raises(ValueError, match="front_end='lfcc'"):
        build_model("cnn_rnn", n_channels=22, sfreq=10.0, n_features=26)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_registered_models_round_trip(name):
    torch.manual_seed(0)
    net = build_model(name, n_channels=5, sfreq=20.0, **SMALL).eval()
    x = torch.randn(2, 5, 80)
    buf = io.BytesIO()
    torch.save(net.state_dict(), buf)
    buf.seek(0)
    other = build_model(name, n_channels=5, sfreq=20.0, **SMALL).eval()
    other.load_state_dict(torch.load(buf))
    torch.testing.assert_close(net(x), other(x))
    assert net.n_parameters() == sum(p.numel() for p in net.parameters())
    groups = {i.group for i in parameter_groups(net)}
    assert {"conv", "rnn_input", "rnn_hidden", "output", "bias", "norm"} <= groups


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn_tanh", "rnn_relu"])
def test_explicit_loop_equals_fused_kernel(cell):
    torch.manual_seed(0)
    rec = Recurrent(cell, 7, 5, num_layers=2, bidirectional=True).eval()
    x = torch.randn(3, 9, 7)
    fused = rec(x)
    rec.use_loop = True
    torch.testing.assert_close(rec(x), fused, rtol=1e-5, atol=1e-6)


def test_minimal_rnn_follows_its_equations():
    torch.manual_seed(0)
    rec = Recurrent("minimal_rnn", 4, 3)
    c = rec.core
    x = torch.randn(2, 5, 4)
    h = torch.zeros(2, 3)
    want = []
    for t in range(5):
        z = torch.tanh(x[:, t] @ c.weight_ih_l0.T + c.bias_ih_l0)
        u = torch.sigmoid(h @ c.weight_hh_l0.T + z @ c.weight_uz_l0.T + c.bias_hh_l0)
        h = u * h + (1 - u) * z
        want.append(h)
    torch.testing.assert_close(rec(x), torch.stack(want, 1))


def test_recurrent_dropout_is_one_mask_per_sequence():
    torch.manual_seed(0)
    rec = Recurrent("rnn_relu", 1, 50, recurrent_dropout=0.5)
    with torch.no_grad():  # h_t = relu(h_{t-1} (masked) + 1): a dropped unit stays at 1 for the whole sequence
        rec.core.weight_ih_l0.zero_()
        rec.core.bias_ih_l0.fill_(1.0)
        rec.core.bias_hh_l0.zero_()
        rec.core.weight_hh_l0.copy_(0.5 * torch.eye(50))
    out = rec.train()(torch.zeros(4, 12, 1))
    last = out[:, -1]
    kept = last > 1.5  # kept units: h -> 1 / (1 - 0.5 * 2) grows every step; dropped: exactly 1
    assert torch.all(torch.isclose(last[~kept], torch.tensor(1.0)))
    assert 0.2 < kept.float().mean() < 0.8
    assert torch.equal(out[:, 3] > 1.5, kept)  # the same units are dropped at every step
    ev = rec.eval()(torch.zeros(4, 12, 1))
    torch.testing.assert_close(ev[:, -1], torch.full((4, 50), 2.0), atol=1e-3, rtol=0)


def test_input_noise_and_dropout_only_in_training():
    torch.manual_seed(0)
    net = build_model("cnn_rnn", n_channels=3, sfreq=10.0, input_noise=0.5, dropout=0.2, **SMALL)
    x = torch.randn(2, 3, 40)
    net.eval()
    torch.testing.assert_close(net(x), net(x))
    net.train()
    assert not torch.allclose(net(x), net(x))


def test_frozen_recurrent_layers_and_bad_arguments():
    net = build_model("cnn_rnn", n_channels=3, sfreq=10.0, rnn_trainable=False, **SMALL)
    assert all(not p.requires_grad for p in net.rnn.parameters())
    assert all(p.requires_grad for p in net.front.parameters())
    with pytest.raises(ValueError, match="whole number"):
        CnnRnn(3, 25.5, 1.0)
    with pytest.raises(ValueError, match="channel_pooling"):
        CnnRnn(3, 10.0, channel_pooling="attention")
    with pytest.raises(ValueError, match="recurrent cell"):
        CnnRnn(3, 10.0, rnn="transformer")
    net = build_model("cnn_rnn", n_channels=3, sfreq=10.0, channel_pooling="conv", **SMALL)
    with pytest.raises(ValueError, match="built for 3 channels"):
        net(torch.randn(1, 4, 40))


@pytest.mark.parametrize("activation", ["elu", "relu", "leaky_relu", "selu", "tanh", "gelu"])
@pytest.mark.parametrize("first", [0, 1, 2])
def test_pooling_before_a_monotonic_activation_changes_nothing(activation, first):
    from torch import nn

    from seizure.models.frontends import RawFrontEnd

    torch.manual_seed(0)
    front = RawFrontEnd(100, [4, 8], kernel_size=7, activation=activation, strided_blocks=first).train()
    reference, block = [], []  # the textbook order in every block: conv, norm, activation, pool
    for layer in list(front.conv) + [nn.Conv2d(1, 1, 1)]:
        if isinstance(layer, nn.Conv2d) and block:
            pools = [m for m in block if isinstance(m, nn.MaxPool2d)]
            acts = [m for m in block if not isinstance(m, (nn.Conv2d, nn.BatchNorm2d, nn.MaxPool2d))]
            reference += block[:2] + acts + pools
            block = []
        block.append(layer)
    x = torch.randn(3, 2, 700)
    torch.testing.assert_close(front(x), nn.Sequential(*reference)(x.unsqueeze(1)))


@pytest.mark.parametrize("first", [0, 1, 2])
def test_raw_front_end_folds_batch_norm_at_eval_and_never_mixes_channels(first):
    from torch import nn

    from seizure.models.frontends import RawFrontEnd

    torch.manual_seed(0)
    front = RawFrontEnd(50, [4, 8], kernel_size=5, strided_blocks=first)
    for _ in range(3):  # running statistics away from their initial values
        front(torch.randn(4, 3, 200) * 3 + 1)
    for m in front.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.weight.data.uniform_(0.5, 2.0)
            m.bias.data.uniform_(-1.0, 1.0)
    front.eval()
    x = torch.randn(2, 3, 200)
    with torch.no_grad():
        folded = front(x)
        unfolded = front.conv(x.unsqueeze(1))  # module by module, BatchNorm with running statistics
        torch.testing.assert_close(folded, unfolded, rtol=1e-4, atol=1e-5)
        assert folded.shape == (2, 8, 3, 4)
        y = x.clone()
        y[:, 1] += torch.randn(200)
        changed = (front(y) - folded).abs().amax(dim=(0, 1, 3))
    assert changed[1] > 0 and changed[0] == 0 and changed[2] == 0


def test_raw_front_end_loads_state_dicts_with_one_dimensional_kernels():
    from seizure.models.frontends import RawFrontEnd

    torch.manual_seed(0)
    front = RawFrontEnd(50, [4, 8], kernel_size=5, strided_blocks=0).eval()
    old = {k: (v.squeeze(2) if k.endswith("weight") and v.dim() == 4 else v) for k, v in front.state_dict().items()}
    assert old["conv.0.weight"].shape == (4, 1, 5)
    twin = RawFrontEnd(50, [4, 8], kernel_size=5, strided_blocks=0).eval()
    twin.load_state_dict(old)
    x = torch.randn(1, 2, 100)
    with torch.no_grad():
        torch.testing.assert_close(twin(x), front(x))


@pytest.mark.parametrize("activation", ["elu", "gelu"])
def test_lfcc_front_end_matches_the_textbook_layer_order(activation):
    from torch import nn

    from seizure.models.frontends import LfccFrontEnd

    torch.manual_seed(0)
    front = LfccFrontEnd(10, 26, [4, 16], (3, 3), [5], 3, activation=activation)
    for _ in range(2):
        front(torch.randn(6, 1, 40, 26))
    front.eval()
    reference = []  # conv, norm, activation, pool in every 2-D block
    layers = list(front.conv2d)
    for k in range(0, len(layers), 4):
        block = layers[k : k + 4]
        pool = [m for m in block if isinstance(m, nn.MaxPool2d)]
        act = [m for m in block if not isinstance(m, (nn.Conv2d, nn.BatchNorm2d, nn.MaxPool2d))]
        reference += block[:2] + act + pool
    x = torch.randn(3, 1, 40, 26)
    with torch.no_grad():
        h = nn.Sequential(*reference)(front.norm(x.permute(0, 3, 2, 1)).permute(0, 3, 2, 1))
        n, e, t, k = h.shape
        expected = front.conv1d(h.permute(0, 1, 3, 2).reshape(n, e * k, t))
        torch.testing.assert_close(front(x), expected, rtol=1e-4, atol=1e-5)
