"""Fused spectral steps run on overlapping blocks (overlap-save), in constant memory.

Consecutive ``resample``/``bandpass``/``notch`` steps are fused: one real FFT per block, a
multiplication by the product of the steps' zero-phase responses, truncation or zero-padding of
the spectrum to the output rate, one inverse FFT. Blocks overlap by more than the support of the
combined impulse response (computed, not guessed), so the result equals whole-signal filtering.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import numpy as np

from seizure.preprocessing.base import POINTWISE_STEPS, SPECTRAL_STEPS, StepError, output_sfreq
from seizure.preprocessing.fir import step_response

__all__ = ["design", "geometry_for", "spectral_blocks", "pointwise", "split_steps"]

_TAPER = 0.9  # anti-aliasing response is flat up to this fraction of Nyquist
_TAIL = 1e-9  # kernel tail energy left outside the block overlap (relative)
_MIN_BLOCK = 1 << 13  # output samples per block, at least (measured: smaller FFTs are faster here)


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
                h = h * step_response(step, freqs, cur)
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


def geometry_for(spectral: list[dict], sfreq: float, response_dir=None):
    """:func:`_geometry`, memoized in the process and on disk in ``response_dir`` when given (so
    that worker processes and later runs do not redesign the filters).

    Parameters
    ----------
    spectral : list of dict
        A run of ``resample``/``bandpass``/``notch`` steps, fused into one stage.
    sfreq : float
        Input sampling rate in Hz.
    response_dir : path-like, optional
        Folder of the designed responses (``response-<hash>.npz``); an unreadable file is redesigned.

    Returns
    -------
    stage : _Spectral
        The fused stage: its steps, input and output rates (Hz) and resampling ratio ``up / down``.
    m : int
        Block multiplier: a block is ``down * m`` input samples and ``up * m`` output samples.
    k : int
        Margin multiplier: blocks overlap by ``k * down`` input (``k * up`` output) samples on each side.
    resp : ndarray, shape (up * m // 2 + 1,)
        Zero-phase response of the stage on the real-FFT bins of an output block, float32.

    Raises
    ------
    StepError
        When the rate change is not a ratio of integers up to 1000.
    """
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
    forked worker processes inherit them instead of designing them again.

    Parameters
    ----------
    steps : list of dict
        Preprocessing steps; the first fused spectral run (:func:`split_steps`) is designed.
    sfreq : float
        Input sampling rate in Hz.
    response_dir : path-like, optional
        Folder where the designed responses are kept between processes (see :func:`geometry_for`).
    """
    spectral = split_steps(steps)[1]
    if spectral and any(s["name"] != "resample" or abs(float(s["sfreq"]) - sfreq) > 1e-9 for s in spectral):
        geometry_for(spectral, float(sfreq), response_dir)


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


def spectral_blocks(source, n_in: int, n_ch: int, stage: _Spectral, m: int, k: int, resp: np.ndarray):
    """Yield ``(offset, block)`` of the output, float32, covering ``ceil(n_in * up / down)`` samples.

    Parameters
    ----------
    source : callable
        ``source(start, stop)`` returns input samples ``[start, stop)``, shape (n_ch, stop - start);
        the ends are reflection-padded here.
    n_in : int
        Input samples per channel.
    n_ch : int
        Channels (rows) of the source.
    stage : _Spectral
        The fused stage (from :func:`geometry_for`).
    m : int
        Block multiplier (from :func:`geometry_for`).
    k : int
        Margin multiplier (from :func:`geometry_for`).
    resp : ndarray, shape (up * m // 2 + 1,)
        Response of the stage on the real-FFT bins of an output block (from :func:`geometry_for`).

    Yields
    ------
    offset : int
        Index of the block's first output sample.
    block : ndarray, shape (n_ch, n)
        Consecutive output samples (a view of the block's inverse FFT).
    """
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


def pointwise(block: np.ndarray, steps: list[dict]) -> np.ndarray:
    """Apply ``scale`` and ``clip`` steps to a block in place.

    Parameters
    ----------
    block : ndarray, shape (n_channels, n)
        float32 samples; modified in place.
    steps : list of dict
        Pointwise steps only (``scale`` multiplies by ``factor``, anything else clips to ``limit``).

    Returns
    -------
    ndarray, shape (n_channels, n)
        ``block``.
    """
    for step in steps:
        if step["name"] == "scale":
            block *= np.float32(step["factor"])
        else:
            np.clip(block, -step["limit"], step["limit"], out=block)
    return block


def split_steps(steps: list[dict]) -> tuple[list, list, list, list]:
    """``(pre, spectral, post, rest)``: one streaming pass runs pointwise ``pre``, the fused
    ``spectral`` run and pointwise ``post``; ``rest`` needs another pass. ``scale`` steps inside the
    spectral run commute with it and move to the front of ``post``.

    Parameters
    ----------
    steps : list of dict
        Built-in preprocessing steps.

    Returns
    -------
    pre, spectral, post, rest : list of dict
        The four parts; ``pre + spectral + post + rest`` holds every step of ``steps``.
    """
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
