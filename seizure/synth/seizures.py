"""Ictal and postictal signals of the synthetic EEG, in microvolts.

A seizure is rendered as an (n_el, n_times) block added to the electrode signals from its start.
Amplitude and phase vary across electrodes (focal spread with propagation lags, generalized
discharges with spatial gradients), so the seizure shows in every bipolar TCP channel its plan
marks as ictal, and is never identical on all electrodes.
"""

from __future__ import annotations

import numpy as np
import scipy.signal

from ..montage import TCP_PAIRS
from .layout import EEG_ELECTRODES, POSITIONS, position_matrix
from .records import SeizurePlan
from .signals import IDX, band_noise, slow_curve

__all__ = ["FOCAL", "GENERALIZED", "render_seizure", "render_postictal"]

FOCAL = frozenset({"fnsz", "cpsz", "spsz"})
GENERALIZED = frozenset({"gnsz", "tcsz", "absz"})
_POS = position_matrix(EEG_ELECTRODES)
_SLOWING = {"absz": (0.75, 0.9), "gnsz": (0.6, 0.85), "tcsz": (0.35, 0.5)}  # focal: (0.4, 0.6)
_ONSET_RAMP_S = {"absz": (0.3, 0.3), "gnsz": (0.5, 1.5), "tcsz": (1.0, 1.0)}  # focal: (1, 3)
_WAX_AFTER_S = 60.0  # seizures longer than this (s) get a slow amplitude modulation
_MUSCLE_W = {"F7": 1.0, "F8": 1.0, "T3": 1.0, "T4": 1.0, "T1": 1.0, "T2": 1.0, "A1": 0.9, "A2": 0.9,
             "T5": 0.7, "T6": 0.7, "FP1": 0.8, "FP2": 0.8}  # fmt: skip


def _sharp(phase: np.ndarray, kappa: float) -> np.ndarray:
    """Unit-RMS, zero-mean periodic sharp wave (von Mises bump) of ``phase`` (radians)."""
    grid = np.linspace(0, 2 * np.pi, 512, endpoint=False)
    ref = np.exp(kappa * (np.cos(grid) - 1))
    return (np.exp(kappa * (np.cos(phase) - 1)) - ref.mean()) / ref.std()


def _spike_wave(phase: np.ndarray) -> np.ndarray:
    """Unit-RMS 3 Hz spike-and-wave complex: a narrow spike then a broad slow wave."""

    def raw(ph):
        w = np.mod(ph, 2 * np.pi) - np.pi
        return (
            -np.exp(-((w / 0.33) ** 2))
            + 0.55 * np.exp(-(((w - 1.7) / 0.9) ** 2))
            - 0.2 * np.exp(-(((w + 0.9) / 0.3) ** 2))
        )

    ref = raw(np.linspace(0, 2 * np.pi, 512, endpoint=False))
    return (raw(phase) - ref.mean()) / ref.std()


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def _unit(rng, y_bias: float = 0.0) -> np.ndarray:
    v = rng.standard_normal(3)
    v[1] += y_bias
    v[2] *= 0.3
    return v / np.linalg.norm(v)


def _spatial(rng, sz: SeizurePlan, idx: np.ndarray, delays: np.ndarray, f0: float):
    """Amplitude weights and phase offsets (radians) of the involved electrodes."""
    pos = _POS[idx]
    k = idx.size
    if sz.label in FOCAL:
        focus = POSITIONS[EEG_ELECTRODES[idx[int(np.argmin(delays))]]]
        dist = np.linalg.norm(pos - focus, axis=1)
        w = np.maximum(np.exp(-(dist**2) / (2 * 0.5**2)), 0.35) * rng.lognormal(0, 0.25, k)
        psi = -2 * np.pi * f0 * dist * rng.uniform(0.03, 0.08) + rng.normal(0, 0.4, k)
        if sz.generalize_at is not None:
            late = delays >= sz.generalize_at - 1e-6
            w[late] = rng.uniform(0.5, 0.9, int(late.sum()))
    elif sz.label == "absz":
        dist = np.linalg.norm(pos - POSITIONS["FZ"], axis=1)
        w = np.maximum(np.exp(-(dist**2) / (2 * 0.75**2)), 0.2) * rng.lognormal(0, 0.15, k)
        psi = 0.6 * pos[:, 1] + rng.normal(0, 0.25, k)
    else:
        gamma, beta = rng.uniform(0.3, 0.8), rng.uniform(0.6, 1.5)
        w = np.clip(1 + gamma * pos @ _unit(rng, 1.0), 0.3, None) * rng.lognormal(0, 0.25, k)
        psi = beta * pos @ _unit(rng) + rng.normal(0, 0.45, k)
    return w, psi


def _bipolar_gain(idx: np.ndarray, w: np.ndarray, psi: np.ndarray) -> float:
    """Mean amplitude of the seizure in the TCP channels it involves, per unit referential amplitude."""
    z = np.zeros(len(EEG_ELECTRODES), dtype=complex)
    z[idx] = w * np.exp(1j * psi)
    involved = set(int(i) for i in idx)
    gains = [abs(z[IDX[a]] - z[IDX[b]]) for a, b in TCP_PAIRS if IDX[a] in involved or IDX[b] in involved]
    return float(np.mean(gains)) if gains else 1.0


def render_seizure(rng, sz: SeizurePlan, sfreq: float, bg_uv: float, polarity: float = 1.0) -> np.ndarray:
    """Ictal activity of one seizure (microvolts), shape (n_el, round(duration * sfreq)), float32.

    Focal types start at the focus with rhythmic 4-8 Hz activity that slows down, grows and
    spreads to the electrodes in the plan at their onset delays; the slowing, growth and change of
    morphology span the whole seizure whatever its length (so they stay bounded: the frequency
    ends at 0.35-0.9 times its start, the amplitude never exceeds its planned level by more than
    the +-30% waxing and waning of seizures over a minute long); generalized types are bilateral
    3-6 Hz discharges with spatial gradients (``tcsz`` adds a tonic phase of fast activity and
    heavy muscle artifact, then clonic bursts); ``absz`` is a fronto-central 3 Hz spike-and-wave.
    The amplitude is set so that the mean amplitude in the involved bipolar channels is about
    ``sz.snr`` times the background RMS ``bg_uv``.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    sz : SeizurePlan
        The seizure: type, start and stop (seconds), electrode onsets, SNR, ictal frequency.
    sfreq : float
        Sampling rate in Hz.
    bg_uv : float
        Background RMS of the recording in microvolts.
    polarity : float
        Sign (+1 or -1) of the sharp waves.

    Returns
    -------
    ndarray, shape (len(EEG_ELECTRODES), round(duration * sfreq))
        The ictal block (float32 microvolts) to add from the seizure start; uninvolved electrodes
        are zero rows.
    """
    dur = sz.duration
    n = int(round(dur * sfreq))
    t = np.arange(n) / sfreq
    names = [e for e, _ in sz.onsets]
    idx = np.array([IDX[e] for e in names])
    delays = np.array([d for _, d in sz.onsets])
    label = sz.label
    f0 = sz.ictal_hz
    lo, hi = _SLOWING.get(label, (0.4, 0.6))
    freq = f0 * rng.uniform(lo, hi) ** (t / dur)  # final / initial frequency in [lo, hi]
    freq *= 1 + 0.04 * slow_curve(rng, 1, n, sfreq, 1.0, rho=0.5)[0]
    phase = 2 * np.pi * np.cumsum(freq) / sfreq
    w, psi = _spatial(rng, sz, idx, delays, f0)
    boost = {"absz": 1.2, "tcsz": 0.7}.get(label, 1.0)
    amp = min(boost * sz.snr * bg_uv / max(_bipolar_gain(idx, w, psi), 0.25), 12 * bg_uv)
    ramp = rng.uniform(*_ONSET_RAMP_S.get(label, (1.0, 3.0)))
    env = _smoothstep((t[None, :] - delays[:, None]) / ramp)
    end = rng.uniform(0.5, 1.5) if label != "absz" else 0.2
    env *= np.clip((dur - t) / end, 0, 1)[None, :]
    if label in FOCAL:
        growth = 0.3 + 0.7 * (t / dur) ** 0.6
    else:
        growth = 0.6 + 0.4 * (t / dur) ** 0.5 if label == "gnsz" else np.ones(n)
    if dur > _WAX_AFTER_S:  # long seizures wax and wane (bounded) on top of their slow evolution
        growth = growth * np.clip(1 + 0.15 * slow_curve(rng, 1, n, sfreq, 6.0, rho=0.6)[0], 0.7, 1.3)
    ph = phase[None, :] + psi[:, None]
    if label == "absz":
        wave = _spike_wave(ph)
    else:
        rho = (0.25 + 0.75 * t / dur)[None, :]
        wave = (1 - rho) * np.sqrt(2) * np.sin(ph) + rho * _sharp(ph, rng.uniform(1.5, 3.5))
    if label != "absz":  # irregular, electrode-specific ictal component
        wave = wave + 0.3 * band_noise(rng, idx.size, n, sfreq, 2.0, 10.0)
    if label == "tcsz":
        tonic = min(rng.uniform(5, 15), 0.4 * dur)
        clonic = _smoothstep((t - tonic) / 1.5)[None, :]
        fast_hz = np.linspace(rng.uniform(14, 20), 9.0, n)
        fast = np.sqrt(2) * np.sin(2 * np.pi * np.cumsum(fast_hz) / sfreq)[None, :]
        pulses = np.maximum(np.cos(ph), 0) ** 6
        muscle = band_noise(rng, idx.size, n, sfreq, 20.0, 100.0)
        mw = np.array([_MUSCLE_W.get(e, 0.4) for e in names])[:, None]
        m_env = (1 - clonic) * 1.0 + clonic * 1.5 * pulses
        wave = (1 - clonic) * 0.6 * fast + clonic * _sharp(ph, 4.0)
        m_amp = rng.uniform(2.0, 5.0) * bg_uv / amp  # muscle RMS relative to the ictal amplitude
        wave = wave + m_amp * mw * m_env * muscle / np.maximum(w[:, None], 0.3)
    block = (amp * polarity) * (w[:, None] * env * growth[None, :]) * wave
    if label in FOCAL and rng.random() < 0.4:  # low-voltage fast activity at onset
        lv = min(rng.uniform(2, 5), 0.3 * dur)
        m = int(lv * sfreq)
        fast = np.sin(2 * np.pi * rng.uniform(15, 25) * t[:m]) * scipy.signal.windows.hann(m)
        early = delays < 1.0
        block[early, :m] += 0.7 * bg_uv * w[early, None] * fast[None, :]
    out = np.zeros((len(EEG_ELECTRODES), n), dtype=np.float32)
    out[idx] = block
    return out


def render_postictal(rng, sz: SeizurePlan, sfreq: float, bg_uv: float, length_s: float):
    """Postictal delta slowing (microvolts) after a seizure, shape (n_el, n) float32, or None.

    Slowing (0.5-2.5 Hz) on the involved electrodes (all of them after a generalized seizure),
    1-2.2 times the background RMS, decaying over ``length_s`` seconds. Absences have none.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    sz : SeizurePlan
        The seizure it follows.
    sfreq : float
        Sampling rate in Hz.
    bg_uv : float
        Background RMS of the recording in microvolts.
    length_s : float
        Length of the postictal period in seconds.

    Returns
    -------
    ndarray, shape (len(EEG_ELECTRODES), int(length_s * sfreq)) | None
        The slowing (float32 microvolts) to add from the seizure end; None after an absence or for
        a period shorter than 1 s.
    """
    n = int(length_s * sfreq)
    if sz.label == "absz" or n < sfreq:
        return None
    idx = np.array([IDX[e] for e, _ in sz.onsets])
    t = np.arange(n) / sfreq
    env = (np.exp(-t / (length_s / 2.5)) * _smoothstep(t / 0.5)).astype(np.float32)
    amp = rng.uniform(1.0, 2.2) * bg_uv * rng.lognormal(0, 0.2, idx.size).astype(np.float32)
    delta = band_noise(rng, idx.size, n, sfreq, 0.5, 2.5)
    out = np.zeros((len(EEG_ELECTRODES), n), dtype=np.float32)
    out[idx] = delta * env[None, :] * amp[:, None]
    return out
