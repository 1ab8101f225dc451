"""Preprocessing steps: responses equal MNE/SciPy references, streaming equals whole-array."""

import numpy as np
import pytest

from seizure.preprocessing import STEPS, StepError, apply_steps, check_steps, output_length, stream_steps


@pytest.fixture(scope="module")
def eeg():
    rng = np.random.default_rng(0)
    fs = 256.0
    n = int(fs * 120)
    return fs, (rng.normal(size=(3, n)).cumsum(axis=1) * 0.2 + rng.normal(0, 20, (3, n)))


def test_fir_bandpass_and_notch_equal_mne(eeg):
    import mne

    fs, x = eeg
    y, sf = apply_steps(x, fs, [{"name": "bandpass", "l_freq": 0.5, "h_freq": 40.0}])
    ref = mne.filter.filter_data(x, fs, 0.5, 40.0, verbose="error")
    assert sf == fs and y.dtype == np.float32
    np.testing.assert_allclose(y, ref, atol=1e-3 * np.abs(ref).max())  # edges included
    y, _ = apply_steps(x, fs, [{"name": "notch", "freq": 60.0}])
    ref = mne.filter.notch_filter(x, fs, [60.0, 120.0], verbose="error")  # harmonics below Nyquist
    np.testing.assert_allclose(y, ref, atol=1e-3 * np.abs(ref).max())


def _kernel_from_mne(kind, sfreq, a, b):
    """The kernel as the first version obtained it: MNE's filter run on an impulse, trimmed."""
    import math

    import mne

    n = int(2 ** math.ceil(math.log2(60 * sfreq)))
    x = np.zeros((1, n))
    x[0, n // 2] = 1.0
    if kind == "bandpass":
        y = mne.filter.filter_data(x, sfreq, a, b, verbose="error")[0]
    else:
        y = mne.filter.notch_filter(x, sfreq, np.arange(a, sfreq / 2.0, a), verbose="error")[0]
    nz = np.flatnonzero(np.abs(y) > 1e-12 * np.abs(y).max())
    half = max(n // 2 - nz[0], nz[-1] - n // 2)
    return y[n // 2 - half : n // 2 + half + 1]


@pytest.mark.parametrize("sfreq", [100.0, 128.0, 200.0, 250.0, 256.0, 400.0, 512.0, 1000.0])
def test_fir_kernels_equal_mne_filter_on_an_impulse(sfreq):
    """The kernels designed in NumPy (no MNE, no scipy.signal) are MNE's, tap for tap."""
    from seizure.preprocessing.fir import mne_kernel

    cases = [("bandpass", 0.5, 70.0), ("bandpass", 0.5, 40.0), ("bandpass", 0.1, 30.0), ("bandpass", 3.0, 45.0),
             ("bandpass", 1.0, None), ("bandpass", None, 40.0), ("bandpass", 16.0, 20.0), ("notch", 60.0, None),
             ("notch", 50.0, None)]  # fmt: skip
    for kind, a, b in cases:
        if (b is not None and b >= sfreq / 2) or (kind == "notch" and a >= sfreq / 2):
            continue
        ref = _kernel_from_mne(kind, sfreq, a, b)
        new = mne_kernel.__wrapped__(kind, sfreq, a, b)
        assert new.shape == ref.shape, (kind, a, b)
        np.testing.assert_allclose(new, ref, rtol=0, atol=1e-12, err_msg=f"{kind} {a} {b} at {sfreq} Hz")


def test_fir_design_rejects_what_mne_rejects():
    from seizure.preprocessing.fir import mne_kernel

    with pytest.raises(ValueError, match="Nyquist"):
        mne_kernel.__wrapped__("notch", 241.0, 60.0, None)  # 120 Hz stop band reaches 120.5 Hz
    with pytest.raises(ValueError, match="not sufficiently separated"):
        mne_kernel.__wrapped__("notch", 250.0, 1.0, None)


def test_preparing_imports_neither_mne_nor_scipy_signal(tmp_path):
    """Designing the filters is NumPy only: a worker process does not pay for these imports."""
    import subprocess
    import sys

    code = ("import sys; from seizure.preprocessing import apply_steps; import numpy as np; "
            "apply_steps(np.ones((2, 3000)), 256.0, [{'name': 'resample', 'sfreq': 250.0}, "
            "{'name': 'bandpass', 'l_freq': 0.5, 'h_freq': 70.0}, {'name': 'notch', 'freq': 60.0}]); "
            "print(sorted(m for m in ('mne', 'scipy.signal') if m in sys.modules))")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_iir_equals_sosfiltfilt_inside(eeg):
    from scipy import signal

    fs, x = eeg
    y, _ = apply_steps(x, fs, [{"name": "bandpass", "l_freq": 0.5, "h_freq": 70.0, "method": "iir", "order": 4}])
    ref = signal.sosfiltfilt(signal.butter(4, [0.5, 70.0], btype="bandpass", fs=fs, output="sos"), x)
    inner = slice(int(20 * fs), -int(20 * fs))
    np.testing.assert_allclose(y[:, inner], ref[:, inner], atol=1e-3 * np.abs(ref).max())
    y, _ = apply_steps(x, fs, [{"name": "notch", "freq": 50.0, "method": "iir", "q": 20}])
    assert y.shape == x.shape


@pytest.mark.parametrize("fs_in", [250.0, 256.0, 400.0, 512.0, 1000.0, 200.0])
def test_resample_mixed_rates_keeps_band_and_length(fs_in):
    t = np.arange(int(fs_in * 30)) / fs_in
    x = np.vstack([np.sin(2 * np.pi * 7.3 * t), np.sin(2 * np.pi * 40 * t)])
    y, sf = apply_steps(x, fs_in, [{"name": "resample", "sfreq": 250.0}])
    assert sf == 250.0 and y.shape[1] == output_length(x.shape[1], fs_in, [{"name": "resample", "sfreq": 250.0}])
    assert y.shape[1] == int(np.ceil(x.shape[1] * 250.0 / fs_in))
    t2 = np.arange(y.shape[1]) / 250.0
    inner = slice(500, -500)
    np.testing.assert_allclose(y[0, inner], np.sin(2 * np.pi * 7.3 * t2)[inner], atol=1e-3)
    np.testing.assert_allclose(y[1, inner], np.sin(2 * np.pi * 40 * t2)[inner], atol=1e-3)


def test_line_noise_removed_and_aliasing_avoided():
    fs = 512.0
    t = np.arange(int(fs * 60)) / fs
    x = np.vstack([np.sin(2 * np.pi * 10 * t) + np.sin(2 * np.pi * 60 * t) + np.sin(2 * np.pi * 200 * t)])
    y, sf = apply_steps(x, fs, [{"name": "resample", "sfreq": 250.0}, {"name": "bandpass", "l_freq": 0.5, "h_freq": 70.0},
                                {"name": "notch", "freq": 60.0}])  # fmt: skip
    spec = np.abs(np.fft.rfft(y[0, 1000:-1000])) / (y.shape[1] - 2000) * 2
    f = np.fft.rfftfreq(y.shape[1] - 2000, 1 / sf)
    at = lambda hz: spec[np.argmin(np.abs(f - hz))]  # noqa: E731
    assert at(10) == pytest.approx(1.0, abs=0.01)
    assert at(60) < 0.01 and at(50) < 0.01  # 60 Hz notched; 200 Hz did not alias to 50 Hz


def test_streaming_in_blocks_equals_whole_array(eeg):
    fs, x = eeg
    x = np.tile(x, 6)  # 12 minutes: several blocks
    steps = [{"name": "resample", "sfreq": 100.0}, {"name": "bandpass", "l_freq": 0.5, "h_freq": 40.0},
             {"name": "scale", "factor": 0.01}, {"name": "clip", "limit": 0.5}]  # fmt: skip
    whole, sf = apply_steps(x, fs, steps)
    parts = {}
    calls = []

    def source(a, b):
        calls.append((a, b))
        return x[:, a:b]

    sf2 = stream_steps(source, x.shape[1], x.shape[0], fs, steps, lambda o, b: parts.__setitem__(o, b.copy()))
    out = np.concatenate([parts[o] for o in sorted(parts)], axis=1)
    assert sf2 == sf == 100.0 and len(parts) > 1 and max(b - a for a, b in calls) < x.shape[1]
    np.testing.assert_array_equal(out, whole)
    assert np.abs(whole).max() <= 0.5


def test_step_validation_and_nan():
    with pytest.raises(StepError, match="unknown preprocessing step 'lowpas'"):
        check_steps([{"name": "lowpas"}])
    with pytest.raises(StepError, match="need 0 < l_freq < h_freq"):
        check_steps([{"name": "bandpass", "l_freq": 40.0, "h_freq": 1.0}])
    with pytest.raises(StepError, match="h_freq 60.0 Hz is not below Nyquist"):
        check_steps([{"name": "resample", "sfreq": 100.0}, {"name": "bandpass", "l_freq": 1.0, "h_freq": 60.0}])
    with pytest.raises(StepError, match="method must be 'fir' or 'iir'"):
        check_steps([{"name": "notch", "freq": 60.0, "method": "x"}])
    with pytest.raises(StepError, match="required \\['factor'\\]"):
        check_steps([{"name": "scale"}])
    x = np.ones((2, 5000))
    x[1, 1234] = np.nan
    with pytest.raises(StepError, match=r"non-finite .* row\(s\) \[1\]"):
        apply_steps(x, 250.0, [{"name": "bandpass", "l_freq": 1.0, "h_freq": 30.0}])


def test_registered_feature_step_runs_on_the_whole_array():
    def frames(data, sfreq, k=2):  # k rows per channel, channel-major, frame rate 1 Hz
        n = data.shape[1] // int(sfreq)
        f = data[:, : n * int(sfreq)].reshape(data.shape[0], n, int(sfreq))
        return np.stack([f.mean(-1), f.std(-1)], axis=1).reshape(data.shape[0] * k, n), 1.0

    STEPS["_frames"] = frames
    try:
        y, sf = apply_steps(np.random.default_rng(1).normal(size=(3, 1000)), 100.0,
                            [{"name": "scale", "factor": 2.0}, {"name": "_frames"}])  # fmt: skip
        assert y.shape == (6, 10) and sf == 1.0
    finally:
        del STEPS["_frames"]
