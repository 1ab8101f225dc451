"""Per-step seizure probabilities over whole recordings (overlapping windows, averaged)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

__all__ = ["predict_signals", "INFERENCE_WINDOW_FACTOR"]

#: Whole recordings are scored in windows this many times the training window (more context for
#: the recurrent layers, fewer edges); shared by evaluation and ``seizure detect``.
INFERENCE_WINDOW_FACTOR = 4


@torch.no_grad()
def predict_signals(
    net: nn.Module,
    signals: np.ndarray,
    samples_per_step: int,
    n_steps_total: int,
    window_steps: int,
    hop_steps: int | None = None,
    batch_size: int = 64,
) -> np.ndarray:
    """Probability per step of a whole recording.

    Windows of ``window_steps`` steps start every ``hop_steps`` (default half a window); the last
    window is aligned to the end so every step is covered; overlapping predictions are averaged.
    Memory stays bounded by ``batch_size`` windows whatever the recording length.

    Parameters
    ----------
    net : nn.Module
        Maps (B, C, window_steps * samples_per_step) to (B, window_steps) logits.
    signals : ndarray, shape (C, n_times)
    samples_per_step : int
    n_steps_total : int
        Steps to score (``<= n_times // samples_per_step``).
    window_steps : int

    Returns
    -------
    ndarray, shape (n_steps_total,), float32 in [0, 1]
    """
    net.eval()
    n = min(n_steps_total, signals.shape[1] // samples_per_step)
    if n <= 0:
        return np.zeros(0, dtype=np.float32)
    w = min(window_steps, n)
    hop = max(1, hop_steps or w // 2)
    starts = list(range(0, n - w + 1, hop))
    if starts[-1] != n - w:
        starts.append(n - w)
    total = np.zeros(n)
    count = np.zeros(n)
    for i in range(0, len(starts), batch_size):
        chunk = starts[i : i + batch_size]
        x = np.stack([signals[:, s * samples_per_step : (s + w) * samples_per_step] for s in chunk])
        p = torch.sigmoid(net(torch.from_numpy(np.asarray(x, dtype=np.float32)))).numpy()
        for s, row in zip(chunk, p):
            total[s : s + w] += row
            count[s : s + w] += 1
    out = np.zeros(n_steps_total, dtype=np.float32)
    out[:n] = total / np.maximum(count, 1)
    return out
