"""Linear frequency cepstral coefficients (LFCC) per channel, the seed paper's front end.

Per channel and frame (default 0.1 s frames, 0.2 s Hamming analysis window centred on the frame):

1. power spectrum ``P`` of the windowed frame (``n_fft`` points, one-sided);
2. ``n_filters`` triangular filters equally spaced on a LINEAR frequency axis between ``fmin``
   and ``fmax`` (adjacent filters overlap by half): filter energies ``e_j = sum_f w_j(f) P(f)``;
3. cepstra: orthonormal DCT-II of ``log(e_j + eps)``, coefficients 1..``n_cepstra`` (c0 is
   left out; the energy terms below carry the level);
4. energy ``E = log(sum_f P(f) + eps)`` (frequency-domain energy of the frame);
5. differential energy ``dE = max(E) - min(E)`` over the ``diff_energy_frames`` frames centred
   on the frame (Harati et al. 2015);
6. first derivatives of the 9 base features and second derivatives of the cepstra and ``E``
   (regression deltas over +-``delta_width`` frames, edges repeated).

Rows per channel (k = 26 with the defaults), in this order::

    c1..c7  E  dE | d(c1..c7)  d(E)  d(dE) | dd(c1..c7)  dd(E)
    0..6    7  8  | 9..15      16    17    | 18..24      25

Output is channel-major: rows ``[ch * k, (ch + 1) * k)`` belong to channel ``ch``.

Notes
-----
Golmohammadi et al. (2017) and Shah et al. (2021) state the frame (0.1 s), window (0.2 s) and
the 7 cepstra + derivatives + energy terms = 26 features; the filter count, FFT size, window
function, delta width and differential-energy span are not given and are assumptions here
(8 filters over 0 Hz .. Nyquist, Hamming window, next power of two FFT, deltas over +-2 frames,
differential energy over 9 frames = 0.9 s).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.fft import dct

from seizure.preprocessing.base import StepError

__all__ = ["lfcc", "lfcc_filterbank", "deltas", "N_BASE", "lfcc_feature_names"]

N_BASE = 9  # 7 cepstra, energy, differential energy (with the default n_cepstra)


def lfcc_filterbank(
    n_filters: int, n_fft: int, sfreq: float, fmin: float = 0.0, fmax: float | None = None
) -> np.ndarray:
    """Triangular filters equally spaced in Hz: (n_filters, n_fft // 2 + 1) weights in [0, 1].

    Filter j peaks at ``fmin + (j + 1) * delta`` with ``delta = (fmax - fmin) / (n_filters + 1)``
    and falls linearly to 0 at the neighbouring peaks.

    Parameters
    ----------
    n_filters : int
        Number of triangular filters.
    n_fft : int
        FFT size; the filters weight its ``n_fft // 2 + 1`` one-sided bins.
    sfreq : float
        Sampling rate in Hz.
    fmin : float
        Lower edge of the filterbank in Hz.
    fmax : float, optional
        Upper edge of the filterbank in Hz (default: Nyquist, ``sfreq / 2``).

    Returns
    -------
    ndarray, shape (n_filters, n_fft // 2 + 1)
        Filter weights in [0, 1], one row per filter.

    Raises
    ------
    StepError
        Unless ``0 <= fmin < fmax <= sfreq / 2``.
    """
    fmax = sfreq / 2.0 if fmax is None else float(fmax)
    if not 0.0 <= fmin < fmax <= sfreq / 2.0 + 1e-9:
        raise StepError(f"LFCC band must satisfy 0 <= fmin < fmax <= Nyquist ({sfreq / 2} Hz), got {fmin}..{fmax}")
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sfreq)
    delta = (fmax - fmin) / (n_filters + 1)
    centres = fmin + delta * np.arange(1, n_filters + 1)
    return np.clip(1.0 - np.abs(freqs[None, :] - centres[:, None]) / delta, 0.0, None)


def deltas(x: np.ndarray, width: int = 2) -> np.ndarray:
    """Regression deltas along the last axis: ``d_t = sum_n n (x_{t+n} - x_{t-n}) / (2 sum_n n^2)``,
    n = 1..width, with the first and last frames repeated beyond the edges.

    Parameters
    ----------
    x : ndarray, shape (..., n_frames)
        Features over frames (the last axis).
    width : int
        Frames on each side in the regression (at least 1).

    Returns
    -------
    ndarray, shape (..., n_frames)
        The deltas, float64.

    Raises
    ------
    StepError
        For ``width < 1``.
    """
    if width < 1:
        raise StepError(f"delta width must be >= 1, got {width}")
    n_t = x.shape[-1]
    pad = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(width, width)], mode="edge")
    num = np.zeros_like(x, dtype=np.float64)
    for n in range(1, width + 1):
        num += n * (pad[..., width + n : width + n + n_t] - pad[..., width - n : width - n + n_t])
    return num / (2.0 * sum(n * n for n in range(1, width + 1)))


def _running_range(e: np.ndarray, span: int) -> np.ndarray:
    """max - min of ``e`` (..., n) over ``span`` frames centred on each frame (edges repeated)."""
    if span <= 1:
        return np.zeros_like(e)
    left = (span - 1) // 2
    pad = np.pad(e, [(0, 0)] * (e.ndim - 1) + [(left, span - 1 - left)], mode="edge")
    win = sliding_window_view(pad, span, axis=-1)
    return win.max(axis=-1) - win.min(axis=-1)


def lfcc_feature_names(n_cepstra: int = 7) -> list[str]:
    """Names of the k rows of one channel, in output order.

    Parameters
    ----------
    n_cepstra : int
        Cepstra kept by :func:`lfcc` (c1..c_n).

    Returns
    -------
    list of str
        ``3 * n_cepstra + 5`` names: base features, their deltas (``d_``), second deltas (``dd_``).
    """
    base = [f"c{i}" for i in range(1, n_cepstra + 1)] + ["E", "dE"]
    return base + [f"d_{n}" for n in base] + [f"dd_{n}" for n in base[:-1]]


def lfcc(
    data: np.ndarray,
    sfreq: float,
    frame_s: float = 0.1,
    window_s: float = 0.2,
    n_cepstra: int = 7,
    n_filters: int = 8,
    fmin: float = 0.0,
    fmax: float | None = None,
    n_fft: int | None = None,
    delta_width: int = 2,
    diff_energy_frames: int = 9,
    eps: float = 1e-10,
) -> tuple[np.ndarray, float]:
    """LFCC features of every channel, as a preprocessing step.

    Parameters
    ----------
    data : ndarray, shape (C, T)
        Montaged signal (any amplitude unit; the log makes the unit an additive constant on E
        and c0-free cepstra unaffected by a global gain).
    sfreq : float
        Hz; ``frame_s * sfreq`` and ``window_s * sfreq`` must be whole numbers of samples.
    frame_s, window_s : float
        Frame step and analysis window in seconds (window >= frame).
    n_cepstra, n_filters : int
        Cepstra kept (c1..c_n) and triangular filters (``n_filters > n_cepstra``).
    fmin, fmax : float
        Filterbank band in Hz (``fmax`` default: Nyquist).
    n_fft : int, optional
        FFT size (default: next power of two >= window samples).
    delta_width : int
        Frames on each side in the delta regression.
    diff_energy_frames : int
        Frames spanned by the differential energy.
    eps : float
        Added to the filter and frame energies before the log (keeps silent frames finite).

    Returns
    -------
    features : ndarray, shape (C * k, T // frame_samples), float32
        Channel-major, k = 3 * n_cepstra + 5 rows per channel (26 by default); frame ``i``
        describes the window centred on ``(i + 0.5) * frame_s`` seconds.
    frame_rate : float
        Frames per second (``sfreq / frame_samples``, 10 Hz by default).
    """
    data = np.asarray(data, dtype=np.float64)
    if data.ndim != 2:
        raise StepError(f"lfcc expects (channels, samples), got shape {data.shape}")
    hop_f, win_f = frame_s * sfreq, window_s * sfreq
    hop, win = int(round(hop_f)), int(round(win_f))
    if abs(hop - hop_f) > 1e-6 or abs(win - win_f) > 1e-6 or hop < 1:
        raise StepError(
            f"lfcc: frame {frame_s} s and window {window_s} s must be whole numbers of samples at {sfreq} Hz "
            "(resample first, e.g. to 100 or 250 Hz)"
        )
    if win < hop:
        raise StepError(f"lfcc: window_s ({window_s}) must be >= frame_s ({frame_s})")
    if n_filters <= n_cepstra:
        raise StepError(f"lfcc: n_filters ({n_filters}) must exceed n_cepstra ({n_cepstra})")
    n_fft = int(n_fft) if n_fft else int(2 ** np.ceil(np.log2(win)))
    if n_fft < win:
        raise StepError(f"lfcc: n_fft ({n_fft}) must be >= the window length ({win} samples)")
    n_ch, n_t = data.shape
    n_frames = n_t // hop
    k = 3 * n_cepstra + 5
    if n_frames == 0:
        return np.zeros((n_ch * k, 0), dtype=np.float32), sfreq / hop
    left = (win - hop) // 2
    right = win - hop - left
    mode = "reflect" if n_t > max(left, right) else "edge"
    padded = np.pad(data[:, : n_frames * hop], [(0, 0), (left, right)], mode=mode)
    frames = sliding_window_view(padded, win, axis=1)[:, ::hop][:, :n_frames]  # (C, n, win)
    spec = np.fft.rfft(frames * np.hamming(win), n=n_fft, axis=-1)
    power = spec.real**2 + spec.imag**2  # (C, n, n_fft//2+1)
    fbank = lfcc_filterbank(n_filters, n_fft, sfreq, fmin, fmax)
    log_e = np.log(power @ fbank.T + eps)  # (C, n, n_filters)
    ceps = dct(log_e, type=2, norm="ortho", axis=-1)[..., 1 : n_cepstra + 1]  # (C, n, n_cepstra)
    energy = np.log(power.sum(axis=-1) + eps)  # (C, n)
    diff_e = _running_range(energy, diff_energy_frames)
    base = np.concatenate([ceps.transpose(0, 2, 1), energy[:, None], diff_e[:, None]], axis=1)  # (C, 9, n)
    d1 = deltas(base, delta_width)
    d2 = deltas(d1[:, : n_cepstra + 1], delta_width)
    feats = np.concatenate([base, d1, d2], axis=1)  # (C, k, n)
    return np.ascontiguousarray(feats.reshape(n_ch * k, n_frames), dtype=np.float32), sfreq / hop
