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

from collections.abc import Callable

import numpy as np

from seizure.preprocessing.base import (
    PARAMS as _PARAMS,
)
from seizure.preprocessing.base import (
    POINTWISE_STEPS,
    SPECTRAL_STEPS,
    StepError,
    is_streamable,
    output_length,
    output_sfreq,
)
from seizure.preprocessing.base import step_params as _params
from seizure.preprocessing.blocks import design, geometry_for, spectral_blocks, split_steps
from seizure.preprocessing.blocks import pointwise as run_pointwise
from seizure.preprocessing.features import lfcc

__all__ = ["STEPS", "StepError", "apply_steps", "stream_steps", "output_sfreq", "output_length",
           "is_streamable", "check_steps", "design", "SPECTRAL_STEPS", "POINTWISE_STEPS"]  # fmt: skip


def check_steps(steps: list[dict], sfreq: float | None = None) -> None:
    """Validate names and parameters of built-in steps (and rates when ``sfreq`` is given, Hz).

    Parameters
    ----------
    steps : list of dict
        Each ``{"name": <key of STEPS>, **params}``; only built-in steps have their parameters checked.
    sfreq : float, optional
        Input sampling rate in Hz; when given, every band-pass upper edge must lie below the
        Nyquist frequency of the rate at that point of the pipeline.

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
        Rows the source returns.
    sfreq : float
        Sampling rate of the source, Hz.
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

    def emit(offset: int, block: np.ndarray, after: list[dict]) -> None:
        # blocks are fresh arrays (or views of one), so the pointwise steps may run in place
        block = run_pointwise(np.asarray(block, dtype=np.float32), after)
        if not np.isfinite(block.sum()):  # a float32 sum is finite unless a sample is not (or it overflows)
            bad = np.flatnonzero(~np.isfinite(block).all(axis=1)).tolist()
            if bad:
                raise StepError(f"non-finite (NaN or infinite) samples in row(s) {bad} near sample {offset}")
        sink(offset, block)

    pre, spectral, post, rest = split_steps(steps)
    if rest:  # a clip between spectral steps: this pass into memory, then the rest from there
        parts: list[np.ndarray] = []
        sf = stream_steps(source, n_times, n_channels, sfreq, pre + spectral + post,
                          lambda o, b: parts.append(b.copy()), block_s, response_dir)  # fmt: skip
        mid = np.concatenate(parts, axis=1)
        return stream_steps(lambda a, b: mid[:, a:b], mid.shape[1], n_channels, sf, rest, sink, block_s, response_dir)
    if all(s["name"] == "resample" and abs(float(s["sfreq"]) - sfreq) < 1e-9 for s in spectral):
        step = max(1, int(block_s * sfreq))
        for a in range(0, n_times, step):
            emit(a, run_pointwise(np.array(source(a, min(n_times, a + step)), dtype=np.float32), pre), post)
        return sfreq
    stage, m, k, resp = geometry_for(spectral, float(sfreq), response_dir)

    def src(a: int, b: int) -> np.ndarray:
        if not pre:  # read only: no copy unless the source gives another dtype
            return np.asarray(source(a, b), dtype=np.float32)
        return run_pointwise(np.array(source(a, b), dtype=np.float32), pre)

    for o, block in spectral_blocks(src, n_times, n_channels, stage, m, k, resp):
        emit(o, block, post)
    return stage.sfreq_out


def apply_steps(data: np.ndarray, sfreq: float, steps: list[dict]) -> tuple[np.ndarray, float]:
    """Run the steps in order on an in-memory recording.

    Parameters
    ----------
    data : ndarray, shape (n_channels, n_times)
        Microvolts.
    sfreq : float
        Sampling rate of ``data``, Hz.
    steps : list of dict
        Each ``{"name": <key of STEPS>, **params}``.

    Returns
    -------
    data : ndarray, shape (n_rows, n_times_out), float32
        ``n_rows == n_channels`` for built-in steps.
    sfreq : float
        Output rate, Hz (frame rate after a feature step).

    Raises
    ------
    StepError
        For an unknown step, bad parameters or non-finite output.
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

            def sink(o: int, b: np.ndarray, out: np.ndarray = out) -> None:
                out[:, o : o + b.shape[1]] = b

            def read(a: int, b: int, src: np.ndarray = src) -> np.ndarray:
                return src[:, a:b]

            sfreq = stream_steps(read, data.shape[1], data.shape[0], sfreq, run, sink)
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

STEPS["lfcc"] = lfcc  # feature front end: (C, T) -> (C * 26, frames)
