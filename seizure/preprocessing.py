"""Preprocessing as data: each step is ``{"name": ..., **params}``; a list of steps is a pipeline.

Every step maps ``(data, sfreq) -> (data, sfreq)`` with ``data`` of shape (n_channels, n_times)
in microvolts and ``sfreq`` in Hz (:data:`STEPS`). Built-in steps:

- ``resample`` (``sfreq``): band-limited resampling to a target rate (any input rate).
- ``bandpass`` (``l_freq``, ``h_freq``, ``method="fir"``, ``order=4``): zero-phase band-pass
  (either edge may be ``None`` for a high- or low-pass). ``fir``: MNE-Python's default design
  (``firwin``, Hamming window, automatic transition bands), the same response as
  ``mne.filter.filter_data`` (the kernels are designed in NumPy by MNE's documented rules, so
  neither MNE nor ``scipy.signal`` is imported; a test compares them with MNE's tap by tap).
  ``iir``: Butterworth of ``order``, applied forward and backward
  (magnitude ``|H(f)|**2``, the response of ``scipy.signal.sosfiltfilt``).
- ``notch`` (``freq``, ``method="fir"``, ``q=30``): notch at ``freq`` and its harmonics below
  Nyquist. ``fir``: the response of ``mne.filter.notch_filter``; ``iir``: ``scipy.signal.iirnotch``
  with quality ``q``, forward and backward.
- ``scale`` (``factor``): multiply (e.g. 0.01 turns microvolts into units of 100 uV).
- ``clip`` (``limit``): clip to ``[-limit, limit]``.

Other steps (e.g. a feature front end) may be registered in :data:`STEPS`; they receive the
whole recording at once and may return ``k`` rows per input channel (channel-major) at a new
rate (frame rate).

Notes
-----
Consecutive ``resample``/``bandpass``/``notch`` steps are fused and run in the frequency domain on
overlapping blocks (overlap-save): one real FFT per block, a multiplication by the product of
the steps' zero-phase responses, truncation or zero-padding of the spectrum to the output rate,
one inverse FFT. The blocks overlap by more than the support of the combined impulse response
(computed, not guessed), so the result equals whole-signal linear filtering; the ends are
reflection-padded as MNE does. Resampling's anti-aliasing response is flat to 90% of the lower
Nyquist frequency and falls to zero at it with a raised cosine. This makes long recordings
stream in blocks of constant memory (:func:`stream_steps`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Callable

import numpy as np

from seizure._validation import SeizureError

__all__ = ["STEPS", "StepError", "apply_steps", "stream_steps", "output_sfreq", "output_length",
           "is_streamable", "check_steps", "design", "SPECTRAL_STEPS", "POINTWISE_STEPS"]  # fmt: skip

SPECTRAL_STEPS = frozenset({"resample", "bandpass", "notch"})
POINTWISE_STEPS = frozenset({"scale", "clip"})
_PARAMS = {
    "resample": ({"sfreq"}, set()),
    "bandpass": (set(), {"l_freq", "h_freq", "method", "order"}),
    "notch": ({"freq"}, {"method", "q"}),
    "scale": ({"factor"}, set()),
    "clip": ({"limit"}, set()),
}
_TAPER = 0.9  # anti-aliasing response is flat up to this fraction of Nyquist
_TAIL = 1e-9  # kernel tail energy left outside the block overlap (relative)
_MIN_BLOCK = 1 << 13  # output samples per block, at least (measured: smaller FFTs are faster here)


class StepError(SeizureError):
    """A preprocessing step is unknown or has bad parameters, or the data cannot be processed."""


def _params(step: dict) -> dict:
    return {k: v for k, v in step.items() if k != "name"}


def check_steps(steps: list[dict], sfreq: float | None = None) -> None:
    """Validate names and parameters of built-in steps (and rates when ``sfreq`` is given, Hz).

    Raises
    ------
    StepError
        Naming the step, the parameter, the bad value and what is allowed.
    """
    cur = sfreq
    for i, step in enumerate(steps):
        if not isinstance(step, dict) or "name" not in step:
            raise StepError(f"preprocessing step {i}: expected a mapping with a 'name', got {step!r}")
        name = step["name"]
        if name not in STEPS:
            raise StepError(f"unknown preprocessing step {name!r}; expected one of {sorted(STEPS)}")
        if name not in _PARAMS:
            continue
        required, optional = _PARAMS[name]
        given = set(_params(step))
        if required - given or given - required - optional:
            raise StepError(f"preprocessing step {name!r}: parameters {sorted(given)}; required {sorted(required)}, "
                            f"optional {sorted(optional)}")  # fmt: skip
        p = _params(step)
        if p.get("method", "fir") not in ("fir", "iir"):
            raise StepError(f"preprocessing step {name!r}: method must be 'fir' or 'iir', got {p['method']!r}")
        for key in ("sfreq", "freq", "limit", "q", "order"):
            if key in p and not (isinstance(p[key], (int, float)) and p[key] > 0):
                raise StepError(f"preprocessing step {name!r}: {key} must be a positive number, got {p[key]!r}")
        if name == "bandpass":
            lo, hi = p.get("l_freq"), p.get("h_freq")
            if lo is None and hi is None:
                raise StepError("preprocessing step 'bandpass': l_freq and h_freq cannot both be None")
            if lo is not None and hi is not None and not 0 < lo < hi:
                raise StepError(f"preprocessing step 'bandpass': need 0 < l_freq < h_freq, got {lo}, {hi}")
            if cur is not None and hi is not None and hi >= cur / 2:
                raise StepError(f"preprocessing step 'bandpass': h_freq {hi} Hz is not below Nyquist ({cur / 2} Hz)")
        if name == "resample":
            cur = float(p["sfreq"])


def output_sfreq(sfreq: float, steps: list[dict]) -> float:
    """Rate after the built-in steps (``resample`` changes it; other steps are run to know)."""
    for step in steps:
        if step["name"] == "resample":
            sfreq = float(step["sfreq"])
    return sfreq


def is_streamable(steps: list[dict]) -> bool:
    """True when every step is built in, so :func:`stream_steps` can run the whole list."""
    return all(s["name"] in SPECTRAL_STEPS | POINTWISE_STEPS for s in steps)


# ----------------------------------------------------------------------------- responses
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
            raise ValueError(f"FIR design: {n_taps} taps are too few for the {f0}-{f1} Hz transition band")
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
            raise ValueError(f"high-pass edge {lo} Hz must be above 0 Hz")
        if hi is not None and hi >= nyq:
            raise ValueError(f"low-pass edge {hi} Hz must be below Nyquist ({nyq} Hz)")
        points, widths = [], []
        if lo is not None:
            tb = min(max(0.25 * lo, 2.0), lo)
            points += [(lo - tb, 0.0), (lo, 1.0)]
            widths.append(tb)
        if hi is not None:
            tb = min(max(0.25 * hi, 2.0), nyq - hi)
            if hi + tb > nyq:
                raise ValueError(f"low-pass stop band {hi + tb} Hz is above Nyquist ({nyq} Hz)")
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
            raise ValueError(f"notch at {f} Hz: its stop band with transitions ({band[0]:g}-{band[3]:g} Hz) "
                             f"must lie inside (0, {nyq}) Hz (Nyquist)")
    ordered = sorted(bands)
    if any(prev[3] > nxt[0] for prev, nxt in zip(ordered[:-1], ordered[1:])):
        raise ValueError(f"notches at {freqs} Hz: stop bands are not sufficiently separated")
    points = [pt for p0, s0, s1, p1 in ordered for pt in ((p0, 1.0), (s0, 0.0), (s1, 0.0), (p1, 1.0))]
    table = _table(points, nyq, (1.0, 1.0))
    return _sum_of_lowpasses(_odd(int(np.ceil(_HAMMING_TAPS / 0.5 * sfreq))), table, nyq)


@lru_cache(maxsize=64)
def _mne_kernel(kind: str, sfreq: float, a: float | None, b: float | None) -> np.ndarray:
    """Zero-phase FIR kernel of MNE's band-pass (a, b) or notch (a = freq), centred, odd length
    (the taps above 1e-12 of the largest: the impulse response of ``mne.filter.filter_data`` /
    ``notch_filter``, designed directly by :func:`_mne_fir`)."""
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


def _step_response(step: dict, freqs: np.ndarray, sfreq: float) -> np.ndarray:
    """Zero-phase response of one bandpass/notch step at ``freqs`` (Hz), input rate ``sfreq``."""
    p = _params(step)
    method = p.get("method", "fir")
    if step["name"] == "bandpass":
        lo, hi = p.get("l_freq"), p.get("h_freq")
        if method == "fir":
            return _fir_amplitude(_mne_kernel("bandpass", sfreq, lo, hi), freqs, sfreq)
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
        return _fir_amplitude(_mne_kernel("notch", sfreq, freq, None), freqs, sfreq)
    from scipy import signal

    out = np.ones_like(freqs)
    for f0 in np.arange(freq, sfreq / 2.0, freq):
        b, a = signal.iirnotch(f0, float(p.get("q", 30.0)), fs=sfreq)
        out *= np.abs(signal.freqz(b, a, worN=freqs, fs=sfreq)[1]) ** 2
    return out


def _taper(freqs: np.ndarray, nyq: float) -> np.ndarray:
    x = np.clip((freqs - _TAPER * nyq) / ((1 - _TAPER) * nyq), 0.0, 1.0)
    return 0.5 * (1 + np.cos(np.pi * x))


@dataclass(frozen=True)
class _Spectral:
    """A fused run of resample/bandpass/notch steps from rate ``sfreq_in``."""

    steps: tuple
    sfreq_in: float
    sfreq_out: float
    up: int
    down: int

    def response(self, freqs: np.ndarray) -> np.ndarray:
        h = np.ones_like(freqs)
        cur = self.sfreq_in
        changed = False
        for step in self.steps:
            if step["name"] == "resample":
                new = float(step["sfreq"])
                if abs(new - cur) > 1e-9:
                    h = h * _taper(freqs, min(cur, new) / 2)
                    changed = True
                cur = new
            else:
                h = h * _step_response(step, freqs, cur)
        if changed:
            h = h * _taper(freqs, self.sfreq_in / 2)
        return h


def _freeze(steps: list[dict]) -> tuple:
    return tuple(tuple(sorted(s.items())) for s in steps)


@lru_cache(maxsize=32)
def _geometry(frozen: tuple, sfreq_in: float) -> tuple[_Spectral, int, int, np.ndarray]:
    """Fused stage, block length in/out multiplier ``m``, margin multiplier ``k``, block response."""
    steps = tuple(dict(s) for s in frozen)
    sfreq_out = output_sfreq(sfreq_in, list(steps))
    ratio = Fraction(sfreq_out / sfreq_in).limit_denominator(1000)
    if abs(ratio.numerator / ratio.denominator * sfreq_in - sfreq_out) > 1e-6 * sfreq_out:
        raise StepError(f"resample: {sfreq_in} Hz -> {sfreq_out} Hz is not a ratio of integers up to 1000")
    stage = _Spectral(steps, sfreq_in, sfreq_out, ratio.numerator, ratio.denominator)
    # support of the combined kernel, on a fine grid at the output rate
    n = 1 << 18
    kern = np.fft.irfft(stage.response(np.arange(n // 2 + 1) * sfreq_out / n), n)
    energy = kern[: n // 2] ** 2  # the kernel is even (zero phase): one side suffices
    tail = 2 * np.cumsum(energy[::-1])[::-1]  # energy at lags >= j, both sides
    inside = np.flatnonzero(tail > _TAIL * tail[0])
    support = int(inside[-1]) + 1 if inside.size else 1  # output samples each side
    k = -(-support // stage.up)  # margin = k * up output samples = k * down input samples
    m = 1 << max(0, math.ceil(math.log2(max(_MIN_BLOCK / stage.up, 8 * k))))
    n_out = stage.up * m
    resp = stage.response(np.arange(n_out // 2 + 1) * sfreq_out / n_out).astype(np.float32)
    return stage, m, k, resp


_LOADED: dict = {}  # (frozen steps, sfreq) -> geometry, in this process (forked workers inherit it)


def _geometry_for(spectral: list[dict], sfreq: float, response_dir=None):
    """:func:`_geometry`, memoized in the process and on disk in ``response_dir`` when given (so
    that worker processes and later runs do not redesign the filters)."""
    frozen = _freeze(spectral)
    if response_dir is None:
        return _geometry(frozen, sfreq)
    key = (frozen, float(sfreq))
    if key in _LOADED:
        return _LOADED[key]
    import hashlib
    import os
    from pathlib import Path

    tag = hashlib.sha1(repr((frozen, sfreq, _TAPER, _TAIL, _MIN_BLOCK)).encode()).hexdigest()[:16]
    path = Path(response_dir) / f"response-{tag}.npz"
    if path.is_file():
        try:
            with np.load(path) as z:
                m, k, up, down = (int(z[n]) for n in ("m", "k", "up", "down"))
                stage = _Spectral(tuple(dict(f) for f in frozen), sfreq, float(z["sfreq_out"]), up, down)
                _LOADED[key] = stage, m, k, z["resp"].astype(np.float32)
                return _LOADED[key]
        except (OSError, ValueError, KeyError):
            pass  # unreadable: recompute and rewrite
    stage, m, k, resp = _geometry(frozen, sfreq)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.npz")
    np.savez(tmp, m=m, k=k, up=stage.up, down=stage.down, sfreq_out=stage.sfreq_out, resp=resp)
    os.replace(tmp, path)
    _LOADED[key] = stage, m, k, resp
    return _LOADED[key]


def design(steps: list[dict], sfreq: float, response_dir=None) -> None:
    """Design (and memoize) the filters that ``steps`` need at input rate ``sfreq`` (Hz), so that
    forked worker processes inherit them instead of designing them again."""
    spectral = _split(steps)[1]
    if spectral and any(s["name"] != "resample" or abs(float(s["sfreq"]) - sfreq) > 1e-9 for s in spectral):
        _geometry_for(spectral, float(sfreq), response_dir)


def _padded(source: Callable[[int, int], np.ndarray], n: int, a: int, b: int) -> np.ndarray:
    """Samples ``[a, b)`` of the source, extended past both ends by odd reflection about the end
    samples (as MNE's ``reflect_limited`` padding) and by zeros past one reflection."""
    if a >= 0 and b <= n:
        return source(a, b)
    idx = np.arange(a, b)
    left, right = idx < 0, idx >= n
    ref = np.where(left, -idx, np.where(right, 2 * (n - 1) - idx, idx))
    valid = (ref >= 0) & (ref < n)
    ref = np.where(valid, ref, 0)
    lo, hi = int(ref.min()), int(ref.max()) + 1
    x = np.array(source(lo, hi), dtype=np.float32)
    out = x[:, ref - lo]
    if left.any():
        first = source(0, 1).astype(np.float32)
        out[:, left] = 2 * first - out[:, left]
    if right.any():
        last = source(n - 1, n).astype(np.float32)
        out[:, right] = 2 * last - out[:, right]
    out[:, ~valid] = 0
    return out


def _spectral_blocks(source, n_in: int, n_ch: int, stage: _Spectral, m: int, k: int, resp: np.ndarray):
    """Yield ``(offset, block)`` of the output, float32, covering ``ceil(n_in * up / down)`` samples."""
    from scipy import fft

    up, down = stage.up, stage.down
    l_in, n_out = down * m, up * m
    m_in, m_out = k * down, k * up
    keep = n_out - 2 * m_out
    total = -(-n_in * up // down)
    nb = n_out // 2 + 1
    resp = resp * np.float32(n_out / l_in)
    for o in range(0, total, keep):
        a = o // up * down - m_in
        x = _padded(source, n_in, a, a + l_in).astype(np.float32, copy=False)
        spec = fft.rfft(x, axis=-1)
        if spec.shape[1] >= nb:
            spec = spec[:, :nb]
        else:
            spec = np.concatenate([spec, np.zeros((n_ch, nb - spec.shape[1]), spec.dtype)], axis=1)
        spec *= resp
        y = fft.irfft(spec, n=n_out, axis=-1)
        yield o, y[:, m_out : m_out + min(keep, total - o)]


def _pointwise(block: np.ndarray, steps: list[dict]) -> np.ndarray:
    for step in steps:
        if step["name"] == "scale":
            block *= np.float32(step["factor"])
        else:
            np.clip(block, -step["limit"], step["limit"], out=block)
    return block


def _split(steps: list[dict]) -> tuple[list, list, list, list]:
    """``(pre, spectral, post, rest)``: one streaming pass runs pointwise ``pre``, the fused
    ``spectral`` run and pointwise ``post``; ``rest`` needs another pass. ``scale`` steps inside the
    spectral run commute with it and move to the front of ``post``."""
    i = 0
    while i < len(steps) and steps[i]["name"] in POINTWISE_STEPS:
        i += 1
    j = i
    while j < len(steps) and (steps[j]["name"] in SPECTRAL_STEPS or steps[j]["name"] == "scale"):
        j += 1
    while j > i and steps[j - 1]["name"] == "scale":
        j -= 1
    run = steps[i:j]
    k = j
    while k < len(steps) and steps[k]["name"] in POINTWISE_STEPS:
        k += 1
    spectral = [s for s in run if s["name"] in SPECTRAL_STEPS]
    scales = [s for s in run if s["name"] == "scale"]
    return list(steps[:i]), spectral, scales + list(steps[j:k]), list(steps[k:])


def output_length(n_times: int, sfreq: float, steps: list[dict]) -> int:
    """Samples per channel after the built-in steps (``ceil(n_times * up / down)`` per resample)."""
    for step in steps:
        if step["name"] == "resample":
            new = float(step["sfreq"])
            ratio = Fraction(new / sfreq).limit_denominator(1000)
            n_times = -(-n_times * ratio.numerator // ratio.denominator)
            sfreq = new
    return n_times


def stream_steps(
    source: Callable[[int, int], np.ndarray],
    n_times: int,
    n_channels: int,
    sfreq: float,
    steps: list[dict],
    sink: Callable[[int, np.ndarray], None],
    block_s: float = 300.0,
    response_dir=None,
) -> float:
    """Run built-in steps block by block, in constant memory.

    Parameters
    ----------
    source : callable
        ``source(start, stop)`` returns samples ``[start, stop)`` at ``sfreq``, shape
        (n_channels, stop - start), microvolts.
    n_times : int
        Samples per channel of the source.
    n_channels : int
    sfreq : float
        Hz.
    steps : list of dict
        Built-in steps only (:func:`is_streamable`).
    sink : callable
        ``sink(offset, block)`` receives consecutive output blocks, float32 (n_channels, n); a block
        may be a view with contiguous rows, valid during the call only (copy to keep it).
    block_s : float
        Seconds per block when no spectral step is present.
    response_dir : path-like, optional
        Folder where the designed responses are kept between processes.

    Returns
    -------
    float
        Output rate in Hz. The output has :func:`output_length` samples per channel.

    Raises
    ------
    StepError
        For bad steps or non-finite output (NaN or infinite samples in the input).
    """
    check_steps(steps, sfreq)
    if not is_streamable(steps):
        raise StepError(f"stream_steps: only built-in steps stream; got {[s['name'] for s in steps]}")
    if n_times < 1:
        raise StepError("stream_steps: the recording has no samples")

    def emit(offset: int, block: np.ndarray, pointwise: list[dict]) -> None:
        # blocks are fresh arrays (or views of one), so the pointwise steps may run in place
        block = _pointwise(np.asarray(block, dtype=np.float32), pointwise)
        if not np.isfinite(block.sum()):  # a float32 sum is finite unless a sample is not (or it overflows)
            bad = np.flatnonzero(~np.isfinite(block).all(axis=1)).tolist()
            if bad:
                raise StepError(f"non-finite (NaN or infinite) samples in row(s) {bad} near sample {offset}")
        sink(offset, block)

    pre, spectral, post, rest = _split(steps)
    if rest:  # a clip between spectral steps: this pass into memory, then the rest from there
        parts: list[np.ndarray] = []
        sf = stream_steps(source, n_times, n_channels, sfreq, pre + spectral + post,
                          lambda o, b: parts.append(b.copy()), block_s, response_dir)  # fmt: skip
        mid = np.concatenate(parts, axis=1)
        return stream_steps(lambda a, b: mid[:, a:b], mid.shape[1], n_channels, sf, rest, sink, block_s, response_dir)
    if all(s["name"] == "resample" and abs(float(s["sfreq"]) - sfreq) < 1e-9 for s in spectral):
        step = max(1, int(block_s * sfreq))
        for a in range(0, n_times, step):
            emit(a, _pointwise(np.array(source(a, min(n_times, a + step)), dtype=np.float32), pre), post)
        return sfreq
    stage, m, k, resp = _geometry_for(spectral, float(sfreq), response_dir)

    def src(a: int, b: int) -> np.ndarray:
        if not pre:  # read only: no copy unless the source gives another dtype
            return np.asarray(source(a, b), dtype=np.float32)
        return _pointwise(np.array(source(a, b), dtype=np.float32), pre)

    for o, block in _spectral_blocks(src, n_times, n_channels, stage, m, k, resp):
        emit(o, block, post)
    return stage.sfreq_out


def apply_steps(data: np.ndarray, sfreq: float, steps: list[dict]) -> tuple[np.ndarray, float]:
    """Run the steps in order on an in-memory recording.

    Parameters
    ----------
    data : ndarray, shape (n_channels, n_times)
        Microvolts.
    sfreq : float
        Hz.
    steps : list of dict
        Each ``{"name": <key of STEPS>, **params}``.

    Returns
    -------
    data : ndarray, shape (n_rows, n_times_out), float32
        ``n_rows == n_channels`` for built-in steps.
    sfreq : float
        Hz.
    """
    data = np.asarray(data)
    i = 0
    while i < len(steps):
        j = i
        while j < len(steps) and steps[j].get("name") in SPECTRAL_STEPS | POINTWISE_STEPS:
            j += 1
        if j > i:
            run = list(steps[i:j])
            n_out = output_length(data.shape[1], sfreq, run)
            out = np.empty((data.shape[0], n_out), dtype=np.float32)
            src = data

            def sink(o: int, b: np.ndarray) -> None:
                out[:, o : o + b.shape[1]] = b

            sfreq = stream_steps(lambda a, b: src[:, a:b], data.shape[1], data.shape[0], sfreq, run, sink)
            data, i = out, j
            continue
        step = steps[i]
        check_steps([step])
        try:
            data, sfreq = STEPS[step["name"]](data, sfreq, **_params(step))
        except TypeError as exc:
            raise StepError(f"preprocessing step {step['name']!r}: bad parameters {_params(step)} ({exc})") from None
        i += 1
    return np.ascontiguousarray(data, dtype=np.float32), float(sfreq)


def _single(name: str) -> Callable:
    def run(data: np.ndarray, sfreq: float, **params):
        return apply_steps(data, sfreq, [{"name": name, **params}])

    run.__name__ = name
    run.__doc__ = f"The ``{name}`` step on an in-memory array: ``(data, sfreq, **params) -> (data, sfreq)``."
    return run


#: Step name -> ``fn(data, sfreq, **params) -> (data, sfreq)``.
STEPS: dict[str, Callable] = {
    "resample": _single("resample"),
    "bandpass": _single("bandpass"),
    "notch": _single("notch"),
    "scale": _single("scale"),
    "clip": _single("clip"),
}

from seizure.features import lfcc as _lfcc  # noqa: E402  (feature front end: (C, T) -> (C * 26, frames))

STEPS["lfcc"] = _lfcc
