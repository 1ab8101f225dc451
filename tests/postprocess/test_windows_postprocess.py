import numpy as np
import pytest
import torch

from seizure.models import build_model
from seizure.models.cnn_rnn import pool_factors
from seizure.postprocess import probs_to_events
from seizure.preprocessing import apply_steps
from seizure.windows import step_labels


def test_step_labels_rules():
    sz = [(2.5, 5.2)]
    assert step_labels(sz, 8.0, 1.0, "any").tolist() == [0, 0, 1, 1, 1, 1, 0, 0]
    assert step_labels(sz, 8.0, 1.0, "majority").tolist() == [0, 0, 1, 1, 1, 0, 0, 0]
    assert step_labels(sz, 8.0, 1.0, "centre").tolist() == [0, 0, 1, 1, 1, 0, 0, 0]
    with pytest.raises(ValueError, match="label rule"):
        step_labels(sz, 8.0, 1.0, "most")


def test_probs_to_events_threshold_merge_min_duration():
    p = np.zeros(60)
    p[10:20] = 0.9  # 10 s event
    p[24:27] = 0.9  # 3 s, 4 s after: merged with a 5 s gap
    p[40:42] = 0.9  # 2 s isolated: dropped by min duration
    ev = probs_to_events(p, 1.0, 0.5, smooth_s=0, min_duration_s=4.0, merge_gap_s=5.0)
    assert [(e.start, e.stop) for e in ev] == [(10.0, 27.0)]
    ev = probs_to_events(p, 1.0, 0.5, smooth_s=0, min_duration_s=0.0, merge_gap_s=0.0)
    assert [(e.start, e.stop) for e in ev] == [(10.0, 20.0), (24.0, 27.0), (40.0, 42.0)]
    assert all(e.label == "seiz" and e.confidence == pytest.approx(0.9) for e in ev)


def test_pool_factors_multiply_exactly():
    for sps, n in [(100, 3), (256, 3), (250, 2), (64, 4)]:
        f = pool_factors(sps, n)
        assert len(f) == n and int(np.prod(f)) == sps


@pytest.mark.parametrize("rnn", ["lstm", "gru"])
@pytest.mark.parametrize("n_channels, seconds", [(22, 16), (20, 7), (22, 1)])
def test_cnn_rnn_output_shape(rnn, n_channels, seconds):
    net = build_model(
        "cnn_rnn", n_channels=n_channels, sfreq=100.0, step_s=1.0, rnn=rnn, conv_channels=[4, 8], hidden_size=8
    )
    y = net(torch.randn(3, n_channels, seconds * 100 + 37))
    assert y.shape == (3, seconds)


def test_preprocessing_resamples_and_filters():
    sf = 250.0
    t = np.arange(int(sf * 20)) / sf
    x = np.vstack([np.sin(2 * np.pi * 5 * t) + np.sin(2 * np.pi * 60 * t), 0.1 * np.ones_like(t)])
    y, sf2 = apply_steps(
        x, sf, [{"name": "resample", "sfreq": 100.0}, {"name": "bandpass", "l_freq": 0.5, "h_freq": 40.0}]
    )
    assert sf2 == 100.0 and y.shape == (2, 2000) and y.dtype == np.float32
    spec = np.abs(np.fft.rfft(y[0, 200:-200]))
    freqs = np.fft.rfftfreq(y.shape[1] - 400, 1 / sf2)
    assert freqs[np.argmax(spec)] == pytest.approx(5.0, abs=0.1)
    assert np.abs(y[1, 200:-200]).max() < 0.01  # DC removed by the high-pass
