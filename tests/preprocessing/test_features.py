"""LFCC front end against a direct, loop-by-loop numpy computation of the documented recipe."""

import math

import numpy as np
import pytest

from seizure.preprocessing import STEPS, apply_steps
from seizure.preprocessing.features import deltas, lfcc, lfcc_feature_names


def direct_lfcc(x, sfreq, frame_s=0.1, window_s=0.2, n_cepstra=7, n_filters=8, delta_width=2, diff_frames=9):
    """One channel, written out: explicit frames, DFT sums, triangles, DCT and regressions."""
    hop, win = int(round(frame_s * sfreq)), int(round(window_s * sfreq))
    n_fft = 1
    while n_fft < win:
        n_fft *= 2
    n_frames = len(x) // hop
    x = x[: n_frames * hop]
    left, right = (win - hop) // 2, win - hop - (win - hop) // 2
    padded = np.concatenate([x[1 : left + 1][::-1], x, x[-right - 1 : -1][::-1]])  # reflection
    ham = np.array([0.54 - 0.46 * math.cos(2 * math.pi * n / (win - 1)) for n in range(win)])
    n_bins = n_fft // 2 + 1
    freqs = np.array([b * sfreq / n_fft for b in range(n_bins)])
    spacing = (sfreq / 2) / (n_filters + 1)
    tri = np.zeros((n_filters, n_bins))
    for j in range(n_filters):
        centre = (j + 1) * spacing
        for b in range(n_bins):
            tri[j, b] = max(0.0, 1.0 - abs(freqs[b] - centre) / spacing)
    base = np.zeros((n_cepstra + 2, n_frames))
    for i in range(n_frames):
        seg = padded[i * hop : i * hop + win] * ham
        power = np.zeros(n_bins)
        for b in range(n_bins):
            re = sum(seg[n] * math.cos(2 * math.pi * b * n / n_fft) for n in range(win))
            im = sum(seg[n] * math.sin(2 * math.pi * b * n / n_fft) for n in range(win))
            power[b] = re * re + im * im
        log_e = np.log(tri @ power + 1e-10)
        for c in range(1, n_cepstra + 1):  # orthonormal DCT-II
            base[c - 1, i] = math.sqrt(2 / n_filters) * sum(
                log_e[m] * math.cos(math.pi * c * (2 * m + 1) / (2 * n_filters)) for m in range(n_filters)
            )
        base[n_cepstra, i] = math.log(power.sum() + 1e-10)
    energy = base[n_cepstra]
    half = (diff_frames - 1) // 2
    for i in range(n_frames):
        span = [energy[min(max(j, 0), n_frames - 1)] for j in range(i - half, i - half + diff_frames)]
        base[n_cepstra + 1, i] = max(span) - min(span)

    def delta(rows):
        out = np.zeros_like(rows)
        norm = 2 * sum(n * n for n in range(1, delta_width + 1))
        for i in range(rows.shape[1]):
            for n in range(1, delta_width + 1):
                ahead = rows[:, min(i + n, rows.shape[1] - 1)]
                behind = rows[:, max(i - n, 0)]
                out[:, i] += n * (ahead - behind) / norm
        return out

    d1 = delta(base)
    d2 = delta(d1[: n_cepstra + 1])
    return np.vstack([base, d1, d2])


@pytest.mark.parametrize("sfreq, seconds", [(100.0, 6), (250.0, 3)])
def test_lfcc_matches_direct_computation(sfreq, seconds):
    rng = np.random.default_rng(3)
    n = int(sfreq * seconds) + 7  # a partial frame at the end is dropped
    t = np.arange(n) / sfreq
    x = np.vstack([
        rng.standard_normal(n) * 20 + 50 * np.sin(2 * np.pi * 6 * t) * (t > seconds / 2),
        rng.standard_normal(n) * 5,
    ])  # fmt: skip
    feats, rate = lfcc(x, sfreq)
    assert rate == pytest.approx(10.0)
    assert feats.shape == (2 * 26, seconds * 10) and feats.dtype == np.float32
    for ch in range(2):  # channel-major rows
        want = direct_lfcc(x[ch], sfreq)
        np.testing.assert_allclose(feats[ch * 26 : (ch + 1) * 26], want, rtol=2e-4, atol=2e-4)


def test_feature_layout_and_names():
    names = lfcc_feature_names()
    assert len(names) == 26
    assert names[:9] == ["c1", "c2", "c3", "c4", "c5", "c6", "c7", "E", "dE"]
    assert names[16] == "d_E" and names[25] == "dd_E" and "dd_dE" not in names


def test_energy_tracks_a_burst_and_filterbank_sees_its_frequency():
    sfreq = 100.0
    t = np.arange(int(20 * sfreq)) / sfreq
    x = 0.1 * np.random.default_rng(0).standard_normal(t.size) + 40 * np.sin(2 * np.pi * 5 * t) * ((t >= 8) & (t < 12))
    f, _ = lfcc(x[None], sfreq)
    energy, diff_e = f[7], f[8]
    assert energy[90:110].min() > energy[:60].max() + 5  # ~ log((40 / 0.1)^2)
    assert diff_e[80] > 5 and diff_e[100] < 1  # onset: large range over 0.9 s; inside the burst: flat


def test_deltas_of_a_ramp_are_its_slope():
    ramp = np.arange(20.0)[None] * 0.5
    d = deltas(ramp, 2)
    np.testing.assert_allclose(d[0, 2:-2], 0.5)


def test_lfcc_rejects_rates_without_whole_frames():
    with pytest.raises(ValueError, match="whole numbers of samples"):
        lfcc(np.zeros((1, 1000)), 256.0)
    with pytest.raises(ValueError, match="n_filters"):
        lfcc(np.zeros((1, 1000)), 100.0, n_filters=7)
    out, _ = lfcc(np.zeros((3, 5)), 100.0)
    assert out.shape == (78, 0)


def test_lfcc_is_a_preprocessing_step():
    assert "lfcc" in STEPS
    x = np.random.default_rng(1).standard_normal((22, 1000))
    y, rate = apply_steps(x, 100.0, [{"name": "lfcc"}])
    want, _ = lfcc(x, 100.0)
    assert rate == pytest.approx(10.0) and y.shape == (22 * 26, 100)
    np.testing.assert_allclose(y, want, rtol=1e-6)
