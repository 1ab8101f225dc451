"""FIR kernels of MNE's default design, in NumPy, and the zero-phase response of each spectral step.

The band-pass and notch kernels follow the rules MNE-Python documents for its default FIR design
(``firwin`` with a Hamming window, automatic transition bands, ``3.3 * sfreq / transition`` taps);
a test compares them with MNE's kernels tap by tap. Neither MNE nor ``scipy.signal`` is imported
for the FIR path.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from seizure.preprocessing.base import StepError
from seizure.preprocessing.base import step_params as _params

__all__ = ["mne_kernel", "step_response"]

#: Taps per unit of (transition width / sampling rate) of a Hamming-windowed FIR: MNE's rule for
#: ``filter_length="auto"`` (documented with ``mne.filter.create_filter``).
_HAMMING_TAPS = 3.3


def _odd(n: int) -> int:
    return n if n % 2 else n + 1


def _windowed_sinc(n: int, cutoff: float) -> np.ndarray:
    """Hamming-windowed ideal low-pass of ``n`` taps, ``cutoff`` relative to Nyquist, unit DC gain."""
    t = np.arange(n) - (n - 1) / 2.0
    h = cutoff * np.sinc(cutoff * t) * np.hamming(n)
    return h / h.sum()


def _sum_of_lowpasses(n_taps: int, table: list[tuple[float, float]], nyq: float) -> np.ndarray:
    """Zero-phase FIR of ``n_taps`` following a piecewise-linear 0/1 gain ``table`` of (Hz, gain).

    The kernel starts as the gain at Nyquist (an impulse when 1) and, for every change of gain
    between neighbouring table points, gains a windowed-sinc low-pass cut at the middle of that
    transition, with as many taps as the transition's width asks for (added where the gain falls
    with frequency, subtracted where it rises): MNE's ``fir_design="firwin"``.
    """
    h = np.zeros(n_taps)
    if table[-1][1] == 1:
        h[n_taps // 2] = 1.0
    for (f0, g0), (f1, g1) in zip(table[:-1], table[1:]):
        if g0 == g1:
            continue
        width = (f1 - f0) / nyq / 2.0
        taps = _odd(int(round(_HAMMING_TAPS / width)))
        if taps > n_taps:
            raise StepError(f"FIR design: {n_taps} taps are too few for the {f0}-{f1} Hz transition band")
        off = (n_taps - taps) // 2
        h[off : off + taps] += (1.0 if g0 > g1 else -1.0) * _windowed_sinc(taps, (f0 + f1) / 2.0 / nyq)
    return h


def _table(points: list[tuple[float, float]], nyq: float, edge_gain: tuple[float, float]) -> list[tuple[float, float]]:
    """Sorted gain table from 0 Hz to Nyquist (ends added with ``edge_gain`` where missing)."""
    table = sorted(dict.fromkeys(points))
    if table[0][0] != 0:
        table.insert(0, (0.0, edge_gain[0]))
    if table[-1][0] != nyq:
        table.append((nyq, edge_gain[1]))
    return table


def _mne_fir(kind: str, sfreq: float, a, b) -> np.ndarray:
    """MNE-Python's default zero-phase FIR kernel for ``filter_data(x, sfreq, a, b)``
    (``kind="bandpass"``; either edge may be None) or for ``notch_filter(x, sfreq, a)``
    (``kind="notch"``; ``a`` the notch frequencies), without importing MNE or ``scipy.signal``.

    Design rules (MNE's documented defaults): automatic transition bands, ``min(max(0.25 f, 2),
    f)`` Hz below the high-pass edge and ``min(max(0.25 f, 2), nyq - f)`` Hz above the low-pass
    edge; notches ``f / 200`` Hz wide with 0.5 Hz transitions on each side; an odd length of
    ``3.3 * sfreq / narrowest transition`` taps; the ``firwin`` design of
    :func:`_sum_of_lowpasses`. A test compares the kernels with MNE's, tap by tap.
    """
    nyq = sfreq / 2.0
    if kind == "bandpass":
        lo = None if a is None or float(a) == 0 else float(a)
        hi = None if b is None else float(b)
        if lo is not None and lo <= 0:
            raise StepError(f"high-pass edge {lo} Hz must be above 0 Hz")
        if hi is not None and hi >= nyq:
            raise StepError(f"low-pass edge {hi} Hz must be below Nyquist ({nyq} Hz)")
        points, widths = [], []
        if lo is not None:
            tb = min(max(0.25 * lo, 2.0), lo)
            points += [(lo - tb, 0.0), (lo, 1.0)]
            widths.append(tb)
        if hi is not None:
            tb = min(max(0.25 * hi, 2.0), nyq - hi)
            if hi + tb > nyq:
                raise StepError(f"low-pass stop band {hi + tb} Hz is above Nyquist ({nyq} Hz)")
            points += [(hi, 1.0), (hi + tb, 0.0)]
            widths.append(tb)
        if not points:
            return np.ones(1)
        table = _table(points, nyq, (0.0 if lo is not None else 1.0, 0.0 if hi is not None else 1.0))
        return _sum_of_lowpasses(_odd(max(int(np.ceil(_HAMMING_TAPS / min(widths) * sfreq)), 1)), table, nyq)
    freqs = [float(f) for f in np.atleast_1d(a)]
    if not freqs:  # no harmonic below Nyquist: nothing to remove
        return np.ones(1)
    bands = [(f - f / 400.0 - 0.5, f - f / 400.0, f + f / 400.0, f + f / 400.0 + 0.5) for f in freqs]
    for f, band in zip(freqs, bands):
        if band[3] >= nyq or band[0] <= 0:
            raise StepError(
                f"notch at {f} Hz: its stop band with transitions ({band[0]:g}-{band[3]:g} Hz) "
                f"must lie inside (0, {nyq}) Hz (Nyquist)"
            )
    ordered = sorted(bands)
    if any(prev[3] > nxt[0] for prev, nxt in zip(ordered[:-1], ordered[1:])):
        raise StepError(f"notches at {freqs} Hz: stop bands are not sufficiently separated")
    points = [pt for p0, s0, s1, p1 in ordered for pt in ((p0, 1.0), (s0, 0.0), (s1, 0.0), (p1, 1.0))]
    table = _table(points, nyq, (1.0, 1.0))
    return _sum_of_lowpasses(_odd(int(np.ceil(_HAMMING_TAPS / 0.5 * sfreq))), table, nyq)


@lru_cache(maxsize=64)
def mne_kernel(kind: str, sfreq: float, a: float | None, b: float | None) -> np.ndarray:
    """Zero-phase FIR kernel of MNE's band-pass (a, b) or notch (a = freq), centred, odd length
    (the taps above 1e-12 of the largest: the impulse response of ``mne.filter.filter_data`` /
    ``notch_filter``, designed directly by :func:`_mne_fir`).

    Parameters
    ----------
    kind : {"bandpass", "notch"}
        The filter.
    sfreq : float
        Sampling rate in Hz.
    a : float | None
        Band-pass: high-pass edge in Hz (None for a low-pass). Notch: the notch frequency in Hz,
        its harmonics below Nyquist notched too.
    b : float | None
        Band-pass: low-pass edge in Hz (None for a high-pass). Unused for a notch.

    Returns
    -------
    ndarray, shape (n_taps,)
        The kernel taps (float64), ``n_taps`` odd.
    """
    if kind == "bandpass":
        h = _mne_fir("bandpass", sfreq, a, b)
    else:
        h = _mne_fir("notch", sfreq, np.arange(a, sfreq / 2.0, a), None)
    mid = len(h) // 2
    nz = np.flatnonzero(np.abs(h) > 1e-12 * np.abs(h).max())
    half = max(mid - nz[0], nz[-1] - mid)
    return h[mid - half : mid + half + 1]


def _fir_amplitude(h: np.ndarray, freqs: np.ndarray, sfreq: float) -> np.ndarray:
    """Real zero-phase amplitude of a centred symmetric kernel at ``freqs`` (Hz)."""
    half = len(h) // 2
    n = int(2 ** math.ceil(math.log2(max(1 << 16, 16 * len(h)))))
    buf = np.zeros(n)
    buf[: half + 1] = h[half:]
    buf[n - half :] = h[:half]
    amp = np.fft.rfft(buf).real
    grid = np.arange(amp.size) * sfreq / n
    return np.interp(freqs, grid, amp)


def step_response(step: dict, freqs: np.ndarray, sfreq: float) -> np.ndarray:
    """Zero-phase response of one bandpass/notch step at ``freqs`` (Hz), input rate ``sfreq``.

    Parameters
    ----------
    step : dict
        A ``bandpass`` or ``notch`` step (``method`` ``"fir"`` or ``"iir"``).
    freqs : ndarray, shape (n_freqs,)
        Frequencies in Hz.
    sfreq : float
        Input sampling rate in Hz.

    Returns
    -------
    ndarray, shape (n_freqs,)
        Real gain at each frequency (FIR: the kernel's amplitude; IIR: ``|H(f)|**2``, forward and
        backward). A notch at or above Nyquist gives 1 everywhere.
    """
    p = _params(step)
    method = p.get("method", "fir")
    if step["name"] == "bandpass":
        lo, hi = p.get("l_freq"), p.get("h_freq")
        if method == "fir":
            return _fir_amplitude(mne_kernel("bandpass", sfreq, lo, hi), freqs, sfreq)
        from scipy import signal

        order = int(p.get("order", 4))
        if lo is not None and hi is not None:
            sos = signal.butter(order, [lo, hi], btype="bandpass", fs=sfreq, output="sos")
        elif lo is not None:
            sos = signal.butter(order, lo, btype="highpass", fs=sfreq, output="sos")
        else:
            sos = signal.butter(order, hi, btype="lowpass", fs=sfreq, output="sos")
        return np.abs(signal.sosfreqz(sos, worN=freqs, fs=sfreq)[1]) ** 2
    freq = float(p["freq"])
    if freq >= sfreq / 2:
        return np.ones_like(freqs)
    if method == "fir":
        return _fir_amplitude(mne_kernel("notch", sfreq, freq, None), freqs, sfreq)
    from scipy import signal

    out = np.ones_like(freqs)
    for f0 in np.arange(freq, sfreq / 2.0, freq):
        b, a = signal.iirnotch(f0, float(p.get("q", 30.0)), fs=sfreq)
        out *= np.abs(signal.freqz(b, a, worN=freqs, fs=sfreq)[1]) ** 2
    return out
