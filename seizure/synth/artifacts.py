"""Artifacts and seizure mimics of the synthetic EEG, in microvolts: eye movements, muscle, electrode
pops, line noise, drifts, ECG, photic driving and rhythmic mimics.

Every function takes a :class:`numpy.random.Generator` and works on whole arrays of electrode
signals, shape (len(EEG_ELECTRODES), n_times), float32.
"""

from __future__ import annotations

import numpy as np
import scipy.signal

from .layout import EEG_ELECTRODES
from .signals import IDX, add_weighted, ar1_knots, band_noise, slow_curve

__all__ = [
    "ocular_artifacts",
    "muscle_artifacts",
    "electrode_pops",
    "line_noise",
    "drifts",
    "ecg",
    "photic",
    "mimics",
]

#: Weights of the temporal and frontal muscles (chewing, jaw clenching) per electrode.
_TEMPORAL_MUSCLE = {"F7": 1.0, "T3": 1.0, "T5": 0.6, "T1": 1.0, "A1": 0.8, "FP1": 0.5,
                    "F8": 1.0, "T4": 1.0, "T6": 0.6, "T2": 1.0, "A2": 0.8, "FP2": 0.5}  # fmt: skip


def _events(rng, duration_s: float, per_minute: float) -> np.ndarray:
    count = rng.poisson(per_minute * duration_s / 60.0)
    return np.sort(rng.uniform(0, duration_s, count))


def ocular_artifacts(rng, eeg: np.ndarray, sfreq: float) -> None:
    """Add eye blinks (100-300 uV at FP1/FP2) and lateral eye movements (F7/F8 opposite).

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    eeg : ndarray, shape (len(EEG_ELECTRODES), n_times)
        Referential electrode signals (float32, microvolts), modified in place.
    sfreq : float
        Sampling rate in Hz.
    """
    n = eeg.shape[1]
    blink = np.zeros(n, dtype=np.float32)
    for t0 in _events(rng, n / sfreq, rng.uniform(2, 20)):
        width = rng.uniform(0.2, 0.45)
        k = np.sin(np.linspace(0, np.pi, max(int(width * sfreq), 3))) ** 2
        i0 = int(t0 * sfreq)
        seg = blink[i0 : i0 + k.size]
        seg += (rng.uniform(100, 300) * k[: seg.size]).astype(np.float32)
    weights = {"FP1": 1.0, "FP2": 1.0, "F3": 0.35, "F4": 0.35, "F7": 0.45, "F8": 0.45,
               "FZ": 0.35, "T1": 0.2, "T2": 0.2, "C3": 0.08, "C4": 0.08, "CZ": 0.08}  # fmt: skip
    add_weighted(eeg, {e: w * rng.uniform(0.85, 1.15) for e, w in weights.items()}, blink)
    lateral = np.zeros(n, dtype=np.float32)
    for t0 in _events(rng, n / sfreq, rng.uniform(0.5, 4)):
        hold = rng.uniform(0.4, 3.0)
        ramp = np.linspace(0, 1, max(int(0.06 * sfreq), 2))
        shape = np.concatenate([ramp, np.ones(int(hold * sfreq)), ramp[::-1]])
        i0 = int(t0 * sfreq)
        seg = lateral[i0 : i0 + shape.size]
        seg += (rng.choice([-1, 1]) * rng.uniform(40, 150) * shape[: seg.size]).astype(np.float32)
    add_weighted(eeg, {"F7": 1.0, "F8": -1.0, "FP1": 0.35, "FP2": -0.35, "T1": 0.5, "T2": -0.5}, lateral)


def _muscle_burst(rng, eeg, sfreq, t0, dur, weights, rms_uv, envelope=None) -> None:
    n = eeg.shape[1]
    i0, length = int(t0 * sfreq), int(dur * sfreq)
    length = min(length, n - i0)
    if length < 16:
        return
    noise = band_noise(rng, len(weights), length, sfreq, 20.0, 100.0)
    if envelope is None:
        envelope = scipy.signal.windows.tukey(length, 0.3).astype(np.float32)
    env = envelope[:length]
    for row, (e, w) in zip(noise, weights.items()):
        eeg[IDX[e], i0 : i0 + length] += np.float32(w * rms_uv * rng.uniform(0.6, 1.4)) * row * env


def muscle_artifacts(rng, eeg: np.ndarray, sfreq: float) -> None:
    """Add 1-10 s bursts of 20-100 Hz muscle activity on temporal/frontal electrodes.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    eeg : ndarray, shape (len(EEG_ELECTRODES), n_times)
        Referential electrode signals (float32, microvolts), modified in place.
    sfreq : float
        Sampling rate in Hz.
    """
    left = [e for e in _TEMPORAL_MUSCLE if e in ("F7", "T3", "T5", "T1", "A1", "FP1")]
    for t0 in _events(rng, eeg.shape[1] / sfreq, rng.uniform(0.2, 2.5)):
        side = rng.integers(3)  # left, right, both
        chosen = {e: w for e, w in _TEMPORAL_MUSCLE.items() if side == 2 or (e in left) == (side == 0)}
        _muscle_burst(rng, eeg, sfreq, t0, rng.uniform(1, 10), chosen, rng.uniform(10, 70))


def electrode_pops(rng, eeg: np.ndarray, sfreq: float) -> None:
    """Add electrode pops: a step on one (bad) electrode followed by an exponential decay.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    eeg : ndarray, shape (len(EEG_ELECTRODES), n_times)
        Referential electrode signals (float32, microvolts), modified in place.
    sfreq : float
        Sampling rate in Hz.
    """
    n = eeg.shape[1]
    if rng.random() < 0.5:
        return
    bad = rng.choice(EEG_ELECTRODES, size=int(rng.integers(1, 3)), replace=False)
    for t0 in _events(rng, n / sfreq, rng.uniform(0.1, 1.0)):
        tau = rng.uniform(0.05, 0.5)
        i0 = int(t0 * sfreq)
        k = np.exp(-np.arange(min(int(5 * tau * sfreq), n - i0)) / (tau * sfreq)).astype(np.float32)
        step = np.float32(rng.choice([-1, 1]) * rng.uniform(100, 600))
        eeg[IDX[str(rng.choice(bad))], i0 : i0 + k.size] += step * k


def line_noise(rng, eeg: np.ndarray, sfreq: float, t: np.ndarray) -> None:
    """Add 60 Hz mains interference, amplitude varying between electrodes and over time.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    eeg : ndarray, shape (len(EEG_ELECTRODES), n_times)
        Referential electrode signals (float32, microvolts), modified in place.
    sfreq : float
        Sampling rate in Hz.
    t : ndarray, shape (n_times,)
        Sample times in seconds.
    """
    amp = rng.uniform(0.1, 2.0) if rng.random() < 0.8 else rng.uniform(3.0, 15.0)
    env = np.exp(0.3 * slow_curve(rng, 1, t.size, sfreq, 20.0, rho=0.7)[0])
    wave = np.sin(2 * np.pi * 60.0 * t + rng.uniform(0, 2 * np.pi)).astype(np.float32) * env
    add_weighted(eeg, {e: amp * rng.lognormal(0, 0.6) for e in EEG_ELECTRODES}, wave)


def drifts(rng, eeg: np.ndarray, sfreq: float) -> None:
    """Add slow baseline drifts (sweat, movement); a few electrodes drift strongly.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    eeg : ndarray, shape (len(EEG_ELECTRODES), n_times)
        Referential electrode signals (float32, microvolts), modified in place.
    sfreq : float
        Sampling rate in Hz.
    """
    n_el, n = eeg.shape
    step = 1.5  # seconds between knots
    knots = ar1_knots(rng, n_el, int(np.ceil(n / sfreq / step)) + 2, 0.97)
    amp = np.where(rng.random(n_el) < 0.2, rng.uniform(20, 70, n_el), rng.uniform(2, 10, n_el))
    pos = np.arange(n) / (sfreq * step)
    for i in range(n_el):
        eeg[i] += np.interp(pos, np.arange(knots.shape[1]), amp[i] * knots[i]).astype(np.float32)


def ecg(rng, n: int, sfreq: float) -> np.ndarray:
    """Electrocardiogram (microvolts, R peak ~0.3-1.2 mV) with heart-rate variability, (n,).

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    n : int
        Number of samples.
    sfreq : float
        Sampling rate in Hz.

    Returns
    -------
    ndarray, shape (n,)
        The ECG, float32 microvolts (55-100 beats per minute, either polarity).
    """
    rate = rng.uniform(55, 100) / 60.0
    rr = 1.0 / rate * (1 + 0.05 * rng.standard_normal(int(n / sfreq * rate * 1.3) + 4))
    beats = np.cumsum(rr) - rng.uniform(0, rr[0])
    beats = beats[(beats > 0) & (beats < n / sfreq)]
    impulses = np.zeros(n, dtype=np.float32)
    impulses[(beats * sfreq).astype(int)] = 1.0
    off = int(round(0.3 * sfreq))
    tk = (np.arange(int(0.8 * sfreq)) - off) / sfreq

    def g(mu, sd, a):
        return a * np.exp(-0.5 * ((tk - mu) / sd) ** 2)

    # P wave, Q, R, S, T wave (relative amplitudes)
    beat = g(-0.18, 0.03, 0.12) + g(-0.03, 0.01, -0.12) + g(0.0, 0.011, 1.0)
    beat += g(0.03, 0.012, -0.25) + g(0.25, 0.05, 0.3)
    beat *= rng.choice([-1, 1]) * rng.uniform(300, 1200)
    out = scipy.signal.oaconvolve(impulses, beat.astype(np.float32))[off : off + n]
    return out.astype(np.float32)


def photic(rng, eeg: np.ndarray, sfreq: float, busy) -> np.ndarray:
    """Photic stimulation: flash train channel and occipital driving (microvolts); (n,) channel.

    About half of the recordings long enough get a session of flash trains at 1-21 Hz (10 s each,
    one every 15 s) outside the ``busy`` intervals; 4-20 Hz flashes drive the occipital electrodes.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    eeg : ndarray, shape (len(EEG_ELECTRODES), n_times)
        Referential electrode signals (float32, microvolts), modified in place.
    sfreq : float
        Sampling rate in Hz.
    busy : iterable of (float, float)
        (start, stop) intervals in seconds the session must avoid.

    Returns
    -------
    ndarray, shape (n_times,)
        The photic channel (float32; 100 during a flash, else 0), all zeros without a session.
    """
    n = eeg.shape[1]
    channel = np.zeros(n, dtype=np.float32)
    freqs = [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21]
    span = len(freqs) * 15.0
    if n / sfreq < span + 60 or rng.random() < 0.5:
        return channel
    for _ in range(10):
        t0 = rng.uniform(10, n / sfreq - span - 10)
        if all(t0 + span < a or t0 > b for a, b in busy):
            break
    else:
        return channel
    for k, f in enumerate(freqs):
        a, length = int((t0 + 15.0 * k) * sfreq), int(10 * sfreq)
        tt = np.arange(length) / sfreq
        channel[a : a + length] = np.where((tt * f) % 1.0 < 0.1, 100.0, 0.0)
        if 4 <= f <= 20:
            drive = (rng.uniform(2, 10) * np.sin(2 * np.pi * f * tt)).astype(np.float32)
            add_weighted(eeg, {"O1": 1.0, "O2": 1.0, "P3": 0.4, "P4": 0.4, "PZ": 0.5}, drive, a)
    return channel


def mimics(rng, eeg: np.ndarray, sfreq: float, busy) -> list[tuple[str, float, float]]:
    """Add rhythmic seizure mimics that neither evolve nor spread; return (kind, start, stop) each.

    Chewing (1-2 Hz bursts of temporal muscle), frontal eye flutter (2-4 Hz at FP1/FP2) and
    rhythmic mid-temporal theta of drowsiness (5-7 Hz, low amplitude, T3/T4), several per hour,
    placed away from the ``busy`` (start, stop) intervals in seconds.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    eeg : ndarray, shape (len(EEG_ELECTRODES), n_times)
        Referential electrode signals (float32, microvolts), modified in place.
    sfreq : float
        Sampling rate in Hz.
    busy : iterable of (float, float)
        (start, stop) intervals in seconds the mimics must keep 5 s away from.

    Returns
    -------
    list of (str, float, float)
        Kind (``chewing``, ``flutter``, ``rmtd``), start and stop in seconds of each mimic added.
    """
    n = eeg.shape[1]
    dur_total = n / sfreq
    placed: list[tuple[float, float]] = list(busy)
    added: list[tuple[str, float, float]] = []
    for _ in range(rng.poisson(rng.uniform(4, 10) * dur_total / 3600.0)):
        kind = rng.choice(["chewing", "flutter", "rmtd"], p=[0.35, 0.3, 0.35])
        dur = {"chewing": rng.uniform(4, 20), "flutter": rng.uniform(3, 15), "rmtd": rng.uniform(5, 30)}[kind]
        if dur + 10 > dur_total:
            continue
        starts = rng.uniform(3, dur_total - dur - 3, 5)  # a few tries to find a free stretch
        free = [s for s in starts if not any(s < b + 5 and s + dur > a - 5 for a, b in placed)]
        if not free:
            continue
        t0 = float(free[0])
        placed.append((t0, t0 + dur))
        added.append((str(kind), round(float(t0), 2), round(float(t0 + dur), 2)))
        length = int(dur * sfreq)
        tt = np.arange(length) / sfreq
        taper = scipy.signal.windows.tukey(length, min(1.0, 2.0 / dur)).astype(np.float32)
        i0 = int(t0 * sfreq)
        if kind == "chewing":
            rate = rng.uniform(1.0, 2.0)
            bursts = (np.maximum(np.cos(2 * np.pi * rate * tt), 0) ** 4).astype(np.float32) * taper
            _muscle_burst(rng, eeg, sfreq, t0, dur, dict(_TEMPORAL_MUSCLE), rng.uniform(20, 80), bursts)
        elif kind == "flutter":
            f = rng.uniform(2.0, 4.0)
            wave = (np.sin(2 * np.pi * f * tt) + 0.3 * np.sin(4 * np.pi * f * tt)).astype(np.float32)
            w = {"FP1": 1.0, "FP2": 1.0, "F3": 0.3, "F4": 0.3, "F7": 0.35, "F8": 0.35, "FZ": 0.3}
            add_weighted(eeg, {e: v * rng.uniform(40, 100) for e, v in w.items()}, wave * taper, i0)
        else:
            f = rng.uniform(5.0, 7.0)
            sides = [("T3", "F7", "T5", "T1", "A1"), ("T4", "F8", "T6", "T2", "A2")]
            which = sides if rng.random() < 0.4 else [sides[int(rng.integers(2))]]
            for side in which:
                phase = 2 * np.pi * f * tt + rng.uniform(0, 2 * np.pi)
                wave = (np.sin(phase) + 0.35 * np.sin(2 * phase + 0.5)).astype(np.float32) * taper
                w = dict(zip(side, (1.0, 0.45, 0.45, 0.6, 0.5)))
                amp = rng.uniform(10, 30)
                add_weighted(eeg, {e: v * amp * rng.uniform(0.8, 1.2) for e, v in w.items()}, wave, i0)
    return added
