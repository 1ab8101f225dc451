"""Streaming inference over an EDF recording of any length with bounded memory.

The recording goes through the one recording source (:class:`seizure.source.RecordingSource`:
TCP montage, preprocessing and quality policy, exactly as ``seizure prepare`` caches it) block by
block and into the window scheduler (:class:`seizure.inference.WindowScheduler`), so the
probabilities equal those of :func:`seizure.inference.predict_signals` over the cached recording.
Memory holds one block plus a batch of windows, whatever the length.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from torch import nn

from seizure.inference import WindowScheduler
from seizure.preprocessing import StepError
from seizure.source import ChannelPlan, RecordingSource, expand_rows, plan_channels

__all__ = ["ChannelPlan", "plan_channels", "stream_probabilities"]


def stream_probabilities(
    path: str | Path,
    net: nn.Module,
    steps: list[dict],
    step_s: float,
    window_steps: int,
    duration: float | None = None,
    chunk_s: float = 300.0,
    margin_s: float = 30.0,
    batch_size: int | None = None,
    progress: Callable[[float, float], None] | None = None,
) -> tuple[np.ndarray, dict]:
    """Per-step seizure probability of one EDF recording.

    Parameters
    ----------
    path : path-like
        EDF file with 10-20 electrodes (referential channels).
    net : nn.Module
        The trained network (eval mode is set).
    steps : list of dict
        Preprocessing steps the network was trained with.
    step_s : float
        Seconds per output step.
    window_steps : int
        Inference window in steps.
    duration : float, optional
        Seconds to score (default: the EDF's own length); ``floor(duration / step_s)`` steps.
    chunk_s : float
        Seconds of signal read and preprocessed at a time (bounds memory).
    margin_s : float
        Seconds of context on each side of a chunk for feature steps (built-in filters stream exactly).
    batch_size : int, optional
        Windows per forward pass (default: :func:`seizure.inference.batch_windows`).
    progress : callable, optional
        Called with (seconds done, seconds total) after each chunk.

    Returns
    -------
    probs : ndarray, shape (n_steps,), float32 in [0, 1]
    info : dict
        ``sfreq`` (source Hz), ``duration_s`` (EDF), ``channels`` (the TCP derivations computed),
        ``absent`` (zero rows) and ``flat`` (derivations constant over the whole recording).

    Raises
    ------
    seizure.io.edf.EdfError, seizure.montage.MontageError
        For an unreadable file or missing electrodes, naming the file.
    seizure.source.QualityError
        For a recording the quality policy refuses (flat electrode, too low a rate, EDF+D,
        non-finite samples): no probabilities are returned for it.
    """
    path = str(path)
    with RecordingSource(path) as src:
        edf_duration = src.duration
        sf_out = src.output_sfreq(steps)
        sps = step_s * sf_out
        if abs(sps - round(sps)) > 1e-6:
            raise StepError(f"{path}: step of {step_s} s is not a whole number of samples at {sf_out} Hz")
        dur = edf_duration if duration is None else min(float(duration), edf_duration + 1.0)
        n_steps = int(np.floor(dur / step_s + 1e-9))
        sched = WindowScheduler(net, n_steps, int(round(sps)), window_steps, batch_size=batch_size)
        done = [0.0]

        def sink(offset: int, block: np.ndarray) -> None:
            sched.feed(expand_rows(block, src.plan))
            done[0] += block.shape[1] / sf_out
            if progress:
                progress(min(done[0], edf_duration), edf_duration)

        # feature steps in chunks with context margins (bounded memory); built-in steps stream exactly
        src.preprocess(steps, sink, block_s=chunk_s, feature_chunks=True, margin_s=margin_s)
        probs = sched.finish()
        info = {
            "sfreq": src.sfreq,
            "duration_s": edf_duration,
            "channels": src.plan.channels,
            "absent": src.plan.absent,
            "flat": src.flat_channels,  # always empty: a recording with a flat electrode is refused
        }
    return probs, info
