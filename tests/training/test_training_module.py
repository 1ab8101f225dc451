"""LightningModule: losses, penalties, optimizers, build from config, dev event metrics, early stopping."""

from types import SimpleNamespace

import lightning as L
import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from seizure.config import load_config
from seizure.postprocess import EventDetector
from seizure.training.callbacks import BestWeights, DevEventMetrics, build_callbacks
from seizure.training.module import SeizureModule, build_module, data_loss

SMALL = ["model.conv_channels=[4,8]", "model.kernel_size=5", "model.hidden_size=6",
         "data.window_s=8", "data.stride_s=8", "postprocess.smooth_s=0", "postprocess.min_duration_s=2",
         "postprocess.merge_gap_s=0"]  # fmt: skip


def test_losses_match_their_formulas():
    logits = torch.tensor([[2.0, -1.0, 0.5], [-3.0, 0.0, 4.0]])
    y = torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    p = torch.sigmoid(logits)
    w = 1 + 2.0 * y  # pos_weight 3
    bce = -(y * torch.log(p) + (1 - y) * torch.log(1 - p))
    torch.testing.assert_close(data_loss(logits, y, "bce", 3.0), (w * bce).mean())
    p_t = torch.where(y == 1, p, 1 - p)
    torch.testing.assert_close(data_loss(logits, y, "focal", 3.0, 2.0), (w * (1 - p_t) ** 2 * bce).mean())
    torch.testing.assert_close(data_loss(logits, y, "focal", 1.0, 0.0), data_loss(logits, y, "bce", 1.0))
    torch.testing.assert_close(data_loss(logits, y, "mse", 3.0), (w * (p - y) ** 2).mean())
    with pytest.raises(ValueError, match="loss: expected one of"):
        data_loss(logits, y, "hinge")


def test_penalties_cover_kernels_not_biases():
    cfg = load_config(overrides=SMALL + ["train.regularization.l1=0.01", "train.regularization.l2=0.001"])
    m = build_module(cfg, n_channels=3, sfreq=10.0, pos_weight=1.0)
    kernels = [p for n, p in m.net.named_parameters() if "weight" in n and p.dim() >= 2]
    assert len(kernels) == 2 + 2 + 2 + 1  # 2 convs, LSTM input + hidden per direction, head
    p1, p2 = m.penalties()
    torch.testing.assert_close(p1, 0.01 * sum(k.abs().sum() for k in kernels))
    torch.testing.assert_close(p2, 0.001 * sum((k**2).sum() for k in kernels))
    cfg = load_config(overrides=SMALL + ["train.regularization.l2=0.5", "train.regularization.groups=[output]"])
    m = build_module(cfg, n_channels=3, sfreq=10.0, pos_weight=1.0)
    torch.testing.assert_close(m.penalties()[1], 0.5 * (m.net.head.weight**2).sum())
    assert float(m.penalties()[0]) == 0.0


def test_build_module_applies_config():
    torch.manual_seed(0)
    cfg = load_config(overrides=SMALL + ["model.rnn=gru", "model.init.conv=zeros", "model.init.gate_bias=chrono",
                                         "train.loss.name=mse", "train.optimizer=sgd", "train.scheduler=step"])  # fmt: skip
    m = build_module(cfg, n_channels=3, sfreq=10.0, pos_weight=2.5)
    assert m.loss_name == "mse" and m.pos_weight == 2.5
    assert all(torch.all(p == 0) for n, p in m.net.named_parameters() if n.startswith("front.conv") and p.dim() >= 3)
    assert m.hparams.init["chrono_max_steps"] == 8.0  # the window, in steps
    z = m.net.rnn.core.bias_ih_l0[6:12] + m.net.rnn.core.bias_hh_l0[6:12]  # GRU update (keep) gate
    assert torch.all((z >= 0) & (z <= np.log(7.0) + 1e-6))
    opt = m.configure_optimizers()
    assert isinstance(opt["optimizer"], torch.optim.SGD)
    assert isinstance(opt["lr_scheduler"], torch.optim.lr_scheduler.StepLR)
    decays = [g["weight_decay"] for g in opt["optimizer"].param_groups]
    assert decays == [cfg.train.weight_decay, 0.0]  # kernels decay, biases and BatchNorm do not
    again = SeizureModule(**m.hparams)  # rebuilt from its saved hyperparameters
    assert again.net.n_parameters() == m.net.n_parameters()
    lf = load_config(overrides=SMALL + ["model.front_end=lfcc", "model.conv2d_channels=[2]", "train.scheduler=plateau"])
    m = build_module(lf, n_channels=3, sfreq=10.0, pos_weight=1.0, rows_per_channel=26)
    assert m(torch.randn(2, 78, 80)).shape == (2, 8)
    assert m.configure_optimizers()["lr_scheduler"]["monitor"] == "val_loss"


class _Oracle(nn.Module):
    """Logit +6 where the first input row is positive, -6 elsewhere, one output per 10 samples."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.ones(()))

    def forward(self, x):
        return torch.where(x[:, 0].unfold(1, 10, 10).mean(-1) > 0, 6.0, -6.0) * self.w


def _recording(duration, seizures, sfreq=10.0, seed=0):
    rng = np.random.default_rng(seed)
    sig = np.full((3, int(duration * sfreq)), -1.0, dtype=np.float32) + 0.1 * rng.standard_normal(
        (3, int(duration * sfreq))
    )
    for a, b in seizures:
        sig[:, int(a * sfreq) : int(b * sfreq)] = 1.0
    return SimpleNamespace(signals=sig, sfreq=sfreq, duration=float(duration), seizures=list(seizures))


def test_dev_event_metrics_scores_whole_recordings():
    dev = [_recording(600, [(100, 160)]), _recording(300, []), _recording(400, [(50, 80), (300, 340)])]
    cb = DevEventMetrics(dev, 1.0, 64, EventDetector(1.0, 0.0, 2.0, 0.0), target_fa_per_24h=10.0)
    res = cb.evaluate(_Oracle())
    assert res["sensitivity"] == 1.0 and res["fa_per_24h"] == 0.0
    bad = [_recording(600, [(100, 160)]), _recording(600, [])]
    bad[1].signals[:, 2000:2300] = 1.0  # a 30 s false alarm in 1200 s = 72 FA/24h at every threshold
    res = DevEventMetrics(bad, 1.0, 64, EventDetector(1.0, 0.0, 2.0, 0.0), 10.0).evaluate(_Oracle())
    assert res["sensitivity"] == 0.0 and res["fa_per_24h"] == pytest.approx(72.0)


def _windows(n, seed):
    """(n, 3, 80) windows at 10 Hz: seizure steps have a 4 Hz rhythm, background is noise."""
    g = torch.Generator().manual_seed(seed)
    x = 0.3 * torch.randn(n, 3, 80, generator=g)
    y = torch.zeros(n, 8)
    t = torch.arange(80) / 10.0
    for i in range(0, n, 2):
        a = int(torch.randint(0, 4, (1,), generator=g))
        y[i, a : a + 4] = 1
        x[i, :, a * 10 : (a + 4) * 10] += 2 * torch.sin(2 * np.pi * 4 * t[a * 10 : (a + 4) * 10])
    return x, y


def test_fit_logs_loss_breakdown_dev_metrics_and_stops_early():
    torch.manual_seed(0)
    cfg = load_config(overrides=SMALL + [
        "train.regularization.l1=0.0001", "train.regularization.l2=0.001", "train.loss.name=focal",
        "train.early_stopping.enabled=true", "train.early_stopping.monitor=val_ovlp_sensitivity",
        "train.early_stopping.patience=1", "model.recurrent_dropout=0.2", "model.input_noise=0.05",
    ])  # fmt: skip
    dev = [_recording(120, [(30, 50)], seed=1), _recording(120, [], seed=2)]
    for d in dev:  # the same 4 Hz rhythm marks the dev seizure
        t = np.arange(d.signals.shape[1]) / 10.0
        d.signals[:] = 0.3 * np.random.default_rng(3).standard_normal(d.signals.shape)
        for a, b in d.seizures:
            d.signals[:, int(a * 10) : int(b * 10)] += 2 * np.sin(2 * np.pi * 4 * t[int(a * 10) : int(b * 10)])
    m = build_module(cfg, n_channels=3, sfreq=10.0, pos_weight=2.0)
    callbacks = build_callbacks(cfg, dev)
    assert [type(c).__name__ for c in callbacks] == ["DevEventMetrics", "EarlyStopping", "BestWeights"]
    x, y = _windows(32, 0)
    train = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)
    val = DataLoader(TensorDataset(*_windows(8, 1)), batch_size=8)
    trainer = L.Trainer(max_epochs=6, callbacks=callbacks, logger=False, enable_checkpointing=False,
                        enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0,
                        gradient_clip_val=1.0, gradient_clip_algorithm="norm")  # fmt: skip
    trainer.fit(m, train, val)
    logged = trainer.callback_metrics
    for key in ("train_loss", "train_focal", "train_l1", "train_l2", "val_loss", "val_focal", "val_auroc",
                "val_ap", "val_ovlp_sensitivity", "val_ovlp_fa_per_24h"):  # fmt: skip
        assert key in logged, key
    assert float(logged["train_l1"]) > 0 and float(logged["train_l2"]) > 0
    total = float(logged["train_focal"]) + float(logged["train_l1"]) + float(logged["train_l2"])
    assert float(logged["train_loss"]) == pytest.approx(total, rel=1e-4)
    hist = callbacks[0].history
    assert len(hist) == trainer.current_epoch and all(0 <= h["sensitivity"] <= 1 for h in hist)
    best = callbacks[2]
    assert best.best == max(h["sensitivity"] for h in hist)
    if trainer.current_epoch < 6:  # stopped early: patience 1 after the best epoch
        assert trainer.current_epoch - 1 - best.best_epoch >= 1


def test_best_weights_restores_the_best_epoch():
    net = nn.Linear(1, 1)
    module = SimpleNamespace(state_dict=net.state_dict, load_state_dict=net.load_state_dict)
    cb = BestWeights("score", "max")
    for epoch, (score, value) in enumerate([(0.2, 1.0), (0.5, 2.0), (0.4, 3.0)]):
        nn.init.constant_(net.weight, value)
        cb.on_validation_end(SimpleNamespace(sanity_checking=False, callback_metrics={"score": torch.tensor(score)},
                                             current_epoch=epoch), module)  # fmt: skip
    cb.on_fit_end(None, module)
    assert float(net.weight.detach()) == 2.0 and cb.best_epoch == 1


def test_early_stopping_on_event_metric_needs_dev_metrics():
    cfg = load_config(
        overrides=["train.early_stopping.enabled=true", "train.early_stopping.monitor=val_ovlp_sensitivity"]
    )
    with pytest.raises(ValueError, match="dev_metrics"):
        build_callbacks(cfg, [])
    assert build_callbacks(load_config(), []) == []


def test_best_weights_survive_a_checkpoint_round_trip():
    """A resumed run restores the best epoch of the whole run, not of the resumed epochs only."""
    import io

    net = nn.Linear(1, 1)
    module = SimpleNamespace(state_dict=net.state_dict, load_state_dict=net.load_state_dict)
    first = BestWeights("score", "max")
    for epoch, (score, value) in enumerate([(0.2, 1.0), (0.9, 2.0)]):  # best at epoch 1, before the "kill"
        nn.init.constant_(net.weight, value)
        trainer = SimpleNamespace(sanity_checking=False, callback_metrics={"score": torch.tensor(score)},
                                  current_epoch=epoch)  # fmt: skip
        first.on_validation_end(trainer, module)
    buf = io.BytesIO()
    torch.save({"callbacks": {first.state_key: first.state_dict()}}, buf)  # as a Lightning checkpoint holds it
    buf.seek(0)
    resumed = BestWeights("score", "max")
    resumed.load_state_dict(torch.load(buf, weights_only=False)["callbacks"][resumed.state_key])
    nn.init.constant_(net.weight, 3.0)
    trainer = SimpleNamespace(sanity_checking=False, callback_metrics={"score": torch.tensor(0.5)}, current_epoch=2)
    resumed.on_validation_end(trainer, module)  # worse than epoch 1: not kept
    resumed.on_fit_end(None, module)
    assert float(net.weight.detach()) == 2.0 and resumed.best_epoch == 1
