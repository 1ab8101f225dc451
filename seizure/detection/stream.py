"""Streaming inference over an EDF recording of any length with bounded memory.

The recording is read lazily (memory-mapped EDF), put through the TCP montage and the model's
preprocessing steps block by block (:func:`preprocess_blocks`: overlap-save blocks equal to
whole-signal filtering for the built-in steps, or chunks with discarded margins for other steps),
and fed to a window scheduler that reproduces :func:`seizure.inference.predict_signals` (the
windows of :func:`seizure.inference.window_plan`, each step taken from the window in which it has
context on both sides). Memory holds one block plus a batch of windows, whatever the length.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import torch
from torch import nn

from seizure.inference import batch_windows, window_plan
from seizure.io.edf import EdfError, EdfReader
from seizure.montage import TCP_PAIRS, MontageError, apply_bipolar, electrode_map, tcp_pairs_for
from seizure.preprocessing import StepError, apply_steps, is_streamable, output_sfreq, stream_steps

__all__ = ["ChannelPlan", "plan_channels", "iter_preprocessed", "preprocess_blocks", "WindowScheduler",
           "stream_probabilities"]

logger = logging.getLogger("seizure")

# TUSZ montage directory in a path (``.../01_tcp_ar/<bname>.edf``)
_MONTAGE_DIR = re.compile(r"^0[1-4]_tcp_(ar|le)(_a)?$")


@dataclass(frozen=True)
class ChannelPlan:
    """Which EDF channels feed which TCP derivations.

    Attributes
    ----------
    read : tuple of str
        EDF channel labels to read, in electrode order.
    pairs : tuple of (str, str)
        TCP pairs computed (20 without ear electrodes, else 22).
    present : tuple of bool
        For each of the 22 TCP channels, whether it is computed (absent rows stay zero, as in the
        training cache).
    """

    read: tuple[str, ...]
    pairs: tuple[tuple[str, str], ...]
    present: tuple[bool, ...]

    @property
    def absent(self) -> list[str]:
        return [f"{a}-{b}" for (a, b), p in zip(TCP_PAIRS, self.present) if not p]


def plan_channels(ch_names: list[str], source: str = "<recording>") -> ChannelPlan:
    """Map the channel labels of an EDF onto the TCP montage.

    Electrode names are normalized as in the data layer (``EEG FP1-REF``, ``Fp1``, ``T7`` ...).
    A TUSZ file under an ``_a`` montage directory, or any file without both ear electrodes
    (A1, A2), gets the 20-channel montage; the two ear derivations are then zero rows.

    Raises
    ------
    MontageError
        Naming the file and every missing 10-20 electrode.
    """
    parent = Path(source).parent.name
    idx = electrode_map(list(ch_names))
    if _MONTAGE_DIR.match(parent):
        pairs = tcp_pairs_for(parent)
    elif "A1" in idx and "A2" in idx:
        pairs = TCP_PAIRS
    else:
        pairs = tuple(p for p in TCP_PAIRS if "A1" not in p and "A2" not in p)
    needed = list(dict.fromkeys(e for pair in pairs for e in pair))
    missing = [e for e in needed if e not in idx]
    if missing:
        raise MontageError(
            f"{source}: the TCP montage needs 10-20 electrode(s) {missing} which the recording lacks "
            f"(channels present: {list(ch_names)})"
        )
    return ChannelPlan(
        read=tuple(ch_names[idx[e]] for e in needed),
        pairs=tuple(pairs),
        present=tuple(p in pairs for p in TCP_PAIRS),
    )


def iter_preprocessed(
    reader: EdfReader,
    plan: ChannelPlan,
    steps: list[dict],
    chunk_s: float = 300.0,
    margin_s: float = 30.0,
    source: str = "<recording>",
) -> Iterator[np.ndarray]:
    """Montaged, preprocessed signal of a lazily read recording, chunk by chunk.

    Parameters
    ----------
    reader : EdfReader
        The opened file (samples are read lazily, chunk by chunk).
    plan : ChannelPlan
    steps : list of dict
        Preprocessing steps (``seizure.preprocessing``).
    chunk_s, margin_s : float
        Seconds per chunk, and context read on each side and discarded after filtering.

    Yields
    ------
    ndarray, shape (22 * k, n), float32
        Consecutive pieces of the preprocessed signal (k = 1, or k features per derivation for a
        feature step, channel-major); concatenated they cover the recording. Derivations the
        recording lacks are zero rows, as in the training cache.

    Raises
    ------
    EdfError
        If samples cannot be read or are not finite, naming the file and the time.
    """
    picks = [reader.ch_names.index(c) for c in plan.read]
    sf_in = reader.check_same_rate(picks)
    sf_out = output_sfreq(sf_in, steps)
    n_in = int(round(reader.spr[picks[0]])) * reader.n_records
    duration = n_in / sf_in
    chunk_s = max(float(chunk_s), 1.0)
    present = np.flatnonzero(plan.present)
    t0 = 0.0
    emitted = 0
    total_out = int(round(duration * sf_out))
    while emitted < total_out:
        t1 = min(t0 + chunk_s, duration)
        a, b = max(0.0, t0 - margin_s), min(duration, t1 + margin_s)
        ia, ib = int(round(a * sf_in)), int(round(b * sf_in))
        data = reader.read(picks, ia, min(ib, n_in)).astype(np.float64)  # filters want float64
        if not np.all(np.isfinite(data)):
            raise EdfError(f"{source}: signal contains NaN or infinite values between {a:.0f} s and {b:.0f} s")
        bipolar = apply_bipolar(data, list(plan.read), plan.pairs, source=source)
        processed, _ = apply_steps(bipolar, sf_in, steps)
        lo = int(round((t0 - a) * sf_out))
        hi = min(processed.shape[1], lo + int(round(t1 * sf_out)) - emitted)
        if t1 >= duration:
            hi = min(processed.shape[1], lo + total_out - emitted)
        k = processed.shape[0] // len(plan.pairs)  # rows per derivation (1, or k features, channel-major)
        rows = (present[:, None] * k + np.arange(k)[None, :]).ravel()
        out = np.zeros((len(TCP_PAIRS) * k, max(hi - lo, 0)), dtype=np.float32)
        out[rows] = processed[:, lo:hi]
        emitted += out.shape[1]
        yield out
        if t1 >= duration or out.shape[1] == 0:
            break
        t0 = t1


def preprocess_blocks(
    reader: EdfReader,
    plan: ChannelPlan,
    steps: list[dict],
    sink: Callable[[np.ndarray], None],
    chunk_s: float = 300.0,
    margin_s: float = 30.0,
    source: str = "<recording>",
) -> None:
    """Feed ``sink`` the montaged, preprocessed recording block by block, in bounded memory.

    Built-in steps go through :func:`seizure.preprocessing.stream_steps` (overlap-save blocks,
    equal to whole-signal filtering); a list with other steps (e.g. a feature front end) goes
    through :func:`iter_preprocessed` (chunks with discarded margins).

    Parameters
    ----------
    sink : callable
        Receives consecutive blocks, shape (22 * k, n), float32; absent derivations are zero rows.

    Raises
    ------
    EdfError
        For unreadable or non-finite samples, naming the file.
    """
    if not is_streamable(steps):
        for block in iter_preprocessed(reader, plan, steps, chunk_s, margin_s, source):
            sink(block)
        return
    picks = [reader.ch_names.index(c) for c in plan.read]
    sf_in = reader.check_same_rate(picks)
    n_in = int(reader.spr[picks[0]]) * reader.n_records
    rows = np.flatnonzero(plan.present)

    def read(a: int, b: int) -> np.ndarray:
        data = reader.read(picks, a, b).astype(np.float64)
        return apply_bipolar(data, list(plan.read), plan.pairs, source=source)

    def put(offset: int, block: np.ndarray) -> None:
        full = np.zeros((len(TCP_PAIRS), block.shape[1]), dtype=np.float32)
        full[rows] = block
        sink(full)

    try:
        stream_steps(read, n_in, len(plan.pairs), sf_in, steps, put, block_s=chunk_s)
    except StepError as exc:
        if "non-finite" in str(exc):
            raise EdfError(f"{source}: {exc}") from None
        raise


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
    window_steps : int
    margin_steps : int, optional
    batch_size : int, optional
        Windows per forward pass (default: :func:`seizure.inference.batch_windows`).
    """

    def __init__(self, net: nn.Module, n_steps: int, samples_per_step: int, window_steps: int,
                 margin_steps: int | None = None, batch_size: int | None = None) -> None:
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
        """Append signal (C, n) and run every window it completes."""
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
            x = np.stack([self._window(s) for s, _, _ in chunk])
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
        x = self.buf[:, a:b]
        if x.shape[1] < b - a:  # the signal came out a few samples short: pad with zeros
            x = np.pad(x, ((0, 0), (0, b - a - x.shape[1])))
        return np.ascontiguousarray(x, dtype=np.float32)


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
    EdfError, MontageError
        For an unreadable file or missing electrodes, naming the file.
    """
    path = str(path)
    reader = EdfReader(path)
    plan = plan_channels(list(reader.ch_names), source=path)
    sf_in = reader.check_same_rate([reader.ch_names.index(c) for c in plan.read])
    edf_duration = reader.n_records * reader.record_duration
    sf_out = output_sfreq(sf_in, steps)
    sps = step_s * sf_out
    if abs(sps - round(sps)) > 1e-6:
        raise ValueError(f"{path}: step of {step_s} s is not a whole number of samples at {sf_out} Hz")
    dur = edf_duration if duration is None else min(float(duration), edf_duration + 1.0)
    n_steps = int(np.floor(dur / step_s + 1e-9))
    sched = WindowScheduler(net, n_steps, int(round(sps)), window_steps, batch_size=batch_size)
    span = {"lo": None, "hi": None, "done": 0.0}

    def sink(block: np.ndarray) -> None:
        if block.shape[1]:
            lo, hi = block.min(axis=1), block.max(axis=1)
            span["lo"] = lo if span["lo"] is None else np.minimum(span["lo"], lo)
            span["hi"] = hi if span["hi"] is None else np.maximum(span["hi"], hi)
        sched.feed(block)
        span["done"] += block.shape[1] / sf_out
        if progress:
            progress(min(span["done"], edf_duration), edf_duration)

    preprocess_blocks(reader, plan, steps, sink, chunk_s, margin_s, source=path)
    probs = sched.finish()
    reader.close()
    flat = []
    if span["lo"] is not None:
        rng = (span["hi"] - span["lo"]).reshape(len(TCP_PAIRS), -1).max(axis=1)
        flat = [f"{a}-{b}" for (a, b), p, r in zip(TCP_PAIRS, plan.present, rng) if p and r <= 0]
    if flat:
        logger.warning("%s: flat (constant) montage channel(s) %s", path, flat)
    info = {
        "sfreq": sf_in,
        "duration_s": edf_duration,
        "channels": [f"{a}-{b}" for a, b in plan.pairs],
        "absent": plan.absent,
        "flat": flat,
    }
    return probs, info
