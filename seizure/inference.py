"""Per-step seizure probabilities over whole recordings (overlapping windows, centres kept)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

__all__ = ["predict_signals", "window_plan", "batch_windows", "BATCH_STEPS", "INFERENCE_WINDOW_FACTOR"]

#: Whole recordings are scored in windows this many times the training window (more context for
#: the recurrent layers, fewer edges); shared by evaluation and ``seizure detect``.
INFERENCE_WINDOW_FACTOR = 4


def window_plan(n_steps: int, window_steps: int, margin_steps: int | None = None) -> list[tuple[int, int, int]]:
    """Windows that score a recording of ``n_steps`` steps and the steps each one supplies.

    Windows of ``w = min(window_steps, n_steps)`` steps start every ``w - 2 * margin`` steps (the
    last one aligned to the end). Each step takes its probability from exactly one window, one in
    which it lies at least ``margin`` steps from both edges whenever the recording allows (only
    the first and last ``margin`` steps of the recording come from a window edge), so every
    prediction has context on both sides, and each sample is processed about
    ``w / (w - 2 * margin)`` times. The default margin is ``w // 8`` (1.33 passes).

    Returns
    -------
    list of (start, lo, hi)
        The window starting at step ``start`` supplies steps ``lo <= t < hi``; the ranges tile
        ``[0, n_steps)`` in order.
    """
    n = int(n_steps)
    if n <= 0:
        return []
    w = min(int(window_steps), n)
    m = w // 8 if margin_steps is None else int(margin_steps)
    m = max(0, min(m, (w - 1) // 2))
    hop = w - 2 * m
    starts = list(range(0, n - w + 1, hop))
    if starts[-1] != n - w:
        starts.append(n - w)
    plan, covered = [], 0
    for s in starts:
        hi = n if s + w == n else s + w - m
        if hi > covered:
            plan.append((s, covered, hi))
            covered = hi
    return plan


#: Output steps per inference batch: batches of about 1,024 steps (17 minutes of EEG at 1 s steps)
#: keep the network's intermediate signals in the CPU caches; larger batches were measured up to
#: 2x slower per EEG second on the 2-core reference machine.
BATCH_STEPS = 1024


def batch_windows(window_steps: int, batch_size: int | None = None) -> int:
    """Windows per inference batch: ``batch_size`` if given, else about ``BATCH_STEPS`` steps."""
    if batch_size is not None:
        return max(1, int(batch_size))
    return max(1, BATCH_STEPS // max(1, int(window_steps)))


@torch.no_grad()
def predict_signals(
    net: nn.Module,
    signals: np.ndarray,
    samples_per_step: int,
    n_steps_total: int,
    window_steps: int,
    margin_steps: int | None = None,
    batch_size: int | None = None,
) -> np.ndarray:
    """Probability per step of a whole recording.

    The network runs over the windows of :func:`window_plan` (``margin_steps`` steps of context
    kept on both sides of every scored step; default an eighth of the window) and each step takes
    the probability of the window that supplies it. Memory stays bounded by ``batch_size``
    windows whatever the recording length.

    Parameters
    ----------
    net : nn.Module
        Maps (B, C, window_steps * samples_per_step) to (B, window_steps) logits.
    signals : ndarray, shape (C, n_times)
    samples_per_step : int
    n_steps_total : int
        Steps to score (``<= n_times // samples_per_step``).
    window_steps : int
    margin_steps : int, optional
        0 gives abutting windows (each sample processed once).
    batch_size : int, optional
        Windows per forward pass (default :func:`batch_windows`: about ``BATCH_STEPS`` steps).

    Returns
    -------
    ndarray, shape (n_steps_total,), float32 in [0, 1]
    """
    net.eval()
    n = min(n_steps_total, signals.shape[1] // samples_per_step)
    out = np.zeros(n_steps_total, dtype=np.float32)
    plan = window_plan(n, window_steps, margin_steps)
    if not plan:
        return out
    w = min(window_steps, n)
    bs = batch_windows(w, batch_size)
    for i in range(0, len(plan), bs):
        chunk = plan[i : i + bs]
        x = np.stack([signals[:, s * samples_per_step : (s + w) * samples_per_step] for s, _, _ in chunk])
        p = torch.sigmoid(net(torch.from_numpy(np.asarray(x, dtype=np.float32)))).numpy()
        for (s, lo, hi), row in zip(chunk, p):
            out[lo:hi] = row[lo - s : hi - s]
    return out
