"""Per-step seizure probabilities over whole recordings (overlapping windows, centres kept).

One window scheduler (:class:`WindowScheduler`) runs a network over the windows of
:func:`window_plan` as signal arrives; scoring a whole array (:func:`predict_signals`, used in
evaluation) is that scheduler fed the array at once, and ``seizure detect`` feeds it block by block.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

__all__ = [
    "WindowScheduler",
    "predict_signals",
    "window_plan",
    "batch_windows",
    "BATCH_STEPS",
    "INFERENCE_WINDOW_FACTOR",
]

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

    Parameters
    ----------
    n_steps : int
        Steps of the recording to score.
    window_steps : int
        Window length in steps (cut to ``n_steps`` for a shorter recording).
    margin_steps : int, optional
        Steps of context kept on each side of the scored steps (default ``w // 8``; clipped to
        ``(w - 1) // 2``).

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
    """Windows per inference batch: ``batch_size`` if given, else about ``BATCH_STEPS`` steps.

    Parameters
    ----------
    window_steps : int
        Window length in steps.
    batch_size : int, optional
        Windows per batch asked for (at least 1 is used).

    Returns
    -------
    int
        Windows per forward pass, at least 1.
    """
    if batch_size is not None:
        return max(1, int(batch_size))
    return max(1, BATCH_STEPS // max(1, int(window_steps)))


class WindowScheduler:
    """Runs a network over overlapping windows as the signal arrives.

    Windows and the steps each supplies are exactly those of
    :func:`seizure.inference.predict_signals` for a recording of ``n_steps`` steps
    (:func:`seizure.inference.window_plan`).

    Parameters
    ----------
    net : nn.Module
        Maps (B, C, w * samples_per_step) to (B, w) logits.
    n_steps : int
        Steps of the recording to score.
    samples_per_step : int
        Samples of the input signal per output step.
    window_steps : int
        Window length in steps (cut to ``n_steps`` for a shorter recording).
    margin_steps : int, optional
        Steps of context on each side of the scored steps (see :func:`window_plan`).
    batch_size : int, optional
        Windows per forward pass (default: :func:`seizure.inference.batch_windows`).
    """

    def __init__(
        self,
        net: nn.Module,
        n_steps: int,
        samples_per_step: int,
        window_steps: int,
        margin_steps: int | None = None,
        batch_size: int | None = None,
    ) -> None:
        self.net = net.eval()
        self.n = max(int(n_steps), 0)
        self.sps = int(samples_per_step)
        self.w = min(int(window_steps), self.n)
        self.plan = window_plan(self.n, window_steps, margin_steps)
        self.starts = [s for s, _, _ in self.plan]
        self.next = 0  # index into starts of the next window to run
        self.out = np.zeros(self.n, dtype=np.float32)
        self.batch_size = batch_windows(self.w, batch_size)
        self.buf = np.zeros((0, 0), dtype=np.float32)
        self.buf_start = 0  # sample index of buf[:, 0]

    def feed(self, chunk: np.ndarray) -> None:
        """Append signal and run every window it completes (in whole batches).

        Parameters
        ----------
        chunk : ndarray, shape (C, n)
            The next ``n`` samples of every input row, following the previous chunk.
        """
        if self.buf.size == 0:
            self.buf = np.asarray(chunk, dtype=np.float32)
        else:
            self.buf = np.concatenate([self.buf, chunk], axis=1)
        self._run(final=False)

    def finish(self) -> np.ndarray:
        """Run the windows left (zero-padding a signal a few samples short) and return
        the per-step probabilities, shape (n_steps,), float32."""
        self._run(final=True)
        return self.out

    def _run(self, final: bool) -> None:
        end = self.buf_start + self.buf.shape[1]
        n_ready = 0
        while self.next + n_ready < len(self.starts):
            s = self.starts[self.next + n_ready]
            if (s + self.w) * self.sps > end and not final:
                break
            n_ready += 1
        if not final:  # run whole batches only; the rest waits for more signal
            n_ready -= n_ready % self.batch_size
        ready = self.plan[self.next : self.next + n_ready]
        self.next += n_ready
        for i in range(0, len(ready), self.batch_size):
            chunk = ready[i : i + self.batch_size]
            x = np.stack([self._window(s) for s, _, _ in chunk]).astype(np.float32, copy=False)
            with torch.no_grad():
                p = torch.sigmoid(self.net(torch.from_numpy(x))).numpy()
            for (s, lo, hi), row in zip(chunk, p):
                self.out[lo:hi] = row[lo - s : hi - s]
        if self.next < len(self.starts):  # drop signal no pending window needs
            keep_from = self.starts[self.next] * self.sps
            drop = keep_from - self.buf_start
            if drop > 0:
                self.buf = self.buf[:, drop:]
                self.buf_start = keep_from
        else:
            self.buf = self.buf[:, :0]

    def _window(self, s: int) -> np.ndarray:
        a = s * self.sps - self.buf_start
        b = a + self.w * self.sps
        x = self.buf[:, a:b]  # a view: the batch is copied once, by np.stack
        if x.shape[1] < b - a:  # the signal came out a few samples short: pad with zeros
            x = np.pad(x, ((0, 0), (0, b - a - x.shape[1])))
        return x


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
        The preprocessed recording, one row per network input channel.
    samples_per_step : int
        Samples of ``signals`` per output step.
    n_steps_total : int
        Steps to score (``<= n_times // samples_per_step``).
    window_steps : int
        Window length in steps.
    margin_steps : int, optional
        Steps of context on each side of the scored steps; 0 gives abutting windows (each sample processed once).
    batch_size : int, optional
        Windows per forward pass (default :func:`batch_windows`: about ``BATCH_STEPS`` steps).

    Returns
    -------
    ndarray, shape (n_steps_total,), float32 in [0, 1]
        Steps beyond the signal's length are 0.
    """
    n = max(0, min(int(n_steps_total), signals.shape[1] // samples_per_step))
    out = np.zeros(n_steps_total, dtype=np.float32)
    if n == 0:
        return out
    sched = WindowScheduler(net, n, samples_per_step, window_steps, margin_steps, batch_size)
    sched.feed(signals[:, : n * samples_per_step])
    out[:n] = sched.finish()
    return out
