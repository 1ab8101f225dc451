"""One recording source: EDF -> TCP montage -> preprocessing blocks, with one quality policy.

Every stage that turns an EDF into model input goes through :class:`RecordingSource`:
``seizure prepare`` (the cache, hence training and evaluation) and ``seizure detect`` (streaming
inference). They share

- one channel plan (:func:`plan_channels`): which EDF channels feed which TCP derivations;
- one sample path: bipolar differences taken from the int16 records, float32 microvolts;
- one preprocessing driver (:meth:`RecordingSource.preprocess`);
- one quality policy (:func:`check_rate`, :meth:`RecordingSource.check_quality`): a recording is
  refused, with :class:`QualityError`, when its rate is too low for the filters, when a montage
  electrode is flat (constant over the whole recording: disconnected or not EEG), when samples are
  not finite, or when the file is discontinuous (EDF+D: times after a gap would be wrong).

so the same EDF gives the same arrays, and the same refusals, whichever command reads it.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seizure.io.edf import EdfError, EdfReader
from seizure.montage import TCP_PAIRS, MontageError, electrode_map, tcp_pairs_for
from seizure.preprocessing import (
    POINTWISE_STEPS,
    SPECTRAL_STEPS,
    StepError,
    apply_steps,
    output_length,
    output_sfreq,
    stream_steps,
)

__all__ = [
    "ChannelPlan",
    "QualityError",
    "RecordingSource",
    "check_rate",
    "expand_rows",
    "min_source_sfreq",
    "plan_channels",
]

# TUSZ montage directory in a path (``.../01_tcp_ar/<bname>.edf``)
_MONTAGE_DIR = re.compile(r"^0[1-4]_tcp_(ar|le)(_a)?$")


class QualityError(EdfError):
    """A readable recording that is not usable EEG (flat channels, too low a rate, gaps, NaN).

    Derives from :class:`seizure.io.edf.EdfError`, so callers that catch EDF problems catch it.
    """


@dataclass(frozen=True)
class ChannelPlan:
    """Which EDF channels feed which TCP derivations.

    Parameters
    ----------
    read : tuple of str
        EDF channel labels to read, in electrode order (each electrode once).
    pairs : tuple of (str, str)
        TCP pairs computed (20 without ear electrodes, else 22), in TCP order.
    present : tuple of bool
        For each of the 22 TCP channels, whether it is computed (absent rows stay zero).
    """

    read: tuple[str, ...]
    pairs: tuple[tuple[str, str], ...]
    present: tuple[bool, ...]

    @property
    def absent(self) -> list[str]:
        """Names (``"A1-T3"``) of the TCP derivations the plan leaves as zero rows."""
        return [f"{a}-{b}" for (a, b), p in zip(TCP_PAIRS, self.present) if not p]

    @property
    def channels(self) -> list[str]:
        """Names of the derivations computed."""
        return [f"{a}-{b}" for a, b in self.pairs]


def plan_channels(
    ch_names: list[str], source: str | os.PathLike = "<recording>", montage: str | None = None
) -> ChannelPlan:
    """Map the channel labels of a recording onto the TCP montage.

    Parameters
    ----------
    ch_names : list of str
        Channel labels; electrode names are normalized (``EEG FP1-REF``, ``Fp1``, ``T7`` ...).
    source : path-like
        The file, for messages and for the montage folder it lies in.
    montage : str, optional
        Montage name (:data:`seizure.montage.MONTAGES`), as the corpus index gives it. Without it,
        a file under a TUSZ montage folder gets that folder's montage; any other file gets the
        22-channel montage when both ear electrodes (A1, A2) are there, else the 20-channel one.

    Returns
    -------
    ChannelPlan

    Raises
    ------
    MontageError
        For an unknown montage name, or naming the file and every missing electrode.
    """
    idx = electrode_map(list(ch_names))
    parent = Path(str(source)).parent.name
    if montage:
        pairs = tcp_pairs_for(montage)
    elif _MONTAGE_DIR.match(parent):
        pairs = tcp_pairs_for(parent)
    elif "A1" in idx and "A2" in idx:
        pairs = TCP_PAIRS
    else:
        pairs = tuple(p for p in TCP_PAIRS if "A1" not in p and "A2" not in p)
    needed = list(dict.fromkeys(e for pair in pairs for e in pair))
    missing = [e for e in needed if e not in idx]
    if missing:
        name = montage or (parent if _MONTAGE_DIR.match(parent) else "TCP")
        raise MontageError(
            f"{source}: montage {name} needs electrode(s) {sorted(missing)} which the recording lacks "
            f"(channels present: {list(ch_names)})"
        )
    return ChannelPlan(
        read=tuple(ch_names[idx[e]] for e in needed),
        pairs=tuple(pairs),
        present=tuple(p in pairs for p in TCP_PAIRS),
    )


def min_source_sfreq(steps: list[dict]) -> float:
    """Lowest sampling rate (Hz) a recording needs for ``steps``.

    The recording must carry the band the filters keep: its Nyquist frequency must lie above the
    upper edge of every band-pass step (so 80 Hz for the default 0.5-40 Hz band-pass).
    Without such a step, any positive rate will do (0 is returned).

    Parameters
    ----------
    steps : list of dict
        Preprocessing steps (``seizure.preprocessing``); band-pass steps give ``h_freq`` in Hz.

    Returns
    -------
    float
        The rate in Hz the recording must exceed (twice the highest band-pass edge), or 0.
    """
    edges = [float(s["h_freq"]) for s in steps if s.get("name") == "bandpass" and s.get("h_freq")]
    return 2.0 * max(edges) if edges else 0.0


def check_rate(sfreq: float, steps: list[dict], source: str | os.PathLike = "<recording>") -> None:
    """Refuse a recording sampled too slowly for ``steps`` (:func:`min_source_sfreq`).

    Parameters
    ----------
    sfreq : float
        Sampling rate of the recording (Hz).
    steps : list of dict
        Preprocessing steps (``seizure.preprocessing``).
    source : path-like
        The file, for the message.

    Raises
    ------
    QualityError
        Naming the file, its rate and the minimum.
    """
    low = min_source_sfreq(steps)
    if not sfreq > low:
        raise QualityError(
            f"{source}: sampling rate {sfreq:g} Hz is too low: the preprocessing keeps frequencies up to "
            f"{low / 2:g} Hz, so the recording needs more than {low:g} Hz"
        )


class RecordingSource:
    """Bipolar TCP samples of one EDF recording, read block by block.

    Parameters
    ----------
    path : path-like
        EDF file with referential 10-20 channels.
    montage : str, optional
        Montage name (see :func:`plan_channels`).

    Attributes
    ----------
    path : str
    plan : ChannelPlan
    sfreq : float
        Source rate of the montage channels (Hz).
    n_times : int
        Samples per channel.
    duration : float
        Seconds (records x record duration).

    Notes
    -----
    Calling the source, ``src(a, b)``, returns the derivations of ``plan.pairs`` over samples
    ``[a, b)`` as float32 microvolts (shape ``(len(plan.pairs), b - a)``), computed from the
    digital values; it also tracks which electrodes have stayed constant so far, for
    :meth:`check_quality`. Use it as a context manager, or call :meth:`close`.
    """

    def __init__(self, path: str | os.PathLike, montage: str | None = None) -> None:
        self.path = str(path)
        self.reader = reader = EdfReader(path)
        try:
            if reader.discontinuous:
                raise QualityError(
                    f"{self.path}: EDF+D (discontinuous) file: the data records are not contiguous in time, "
                    "so times after a gap would be wrong; convert it to a continuous EDF (EDF+C) first"
                )
            self.plan = plan = plan_channels(list(reader.ch_names), self.path, montage)
            idx = electrode_map(list(reader.ch_names))
            electrodes = list(dict.fromkeys(e for pair in plan.pairs for e in pair))
            self.picks = [idx[e] for e in electrodes]
            self.sfreq = reader.check_same_rate(self.picks)
            self.n_times = int(reader.spr[self.picks[0]]) * reader.n_records
            self.duration = reader.n_records * reader.record_duration
            pos = {e: i for i, e in enumerate(electrodes)}
            self.anode = np.array([pos[a] for a, _ in plan.pairs])
            self.cathode = np.array([pos[b] for _, b in plan.pairs])
            self._anode_ch = [self.picks[i] for i in self.anode]  # channel indices in the file
            self._cathode_ch = [self.picks[i] for i in self.cathode]
            cal = np.array([reader.calibration(p) for p in self.picks])
        except BaseException:
            reader.close()
            raise
        gain = cal[:, 0]
        # one gain for all electrodes (the usual case): subtract digital values, scale once
        self._gain = np.float32(gain[0]) if np.allclose(gain, gain[0], rtol=1e-6, atol=0) else None
        self._shift = (cal[self.anode, 1] - cal[self.cathode, 1]).astype(np.float32)[:, None]
        self._first: np.ndarray | None = None  # first digital sample of each electrode
        self._flat = np.ones(len(self.picks), dtype=bool)  # constant so far

    def __enter__(self) -> RecordingSource:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close the file."""
        self.reader.close()

    def __call__(self, a: int, b: int) -> np.ndarray:
        rows = np.flatnonzero(self._flat)
        if len(rows) and b > a:  # only electrodes still constant are read again (usually none after one block)
            x = self.reader.read([self.picks[i] for i in rows], a, b, digital=True)
            if self._first is None:
                self._first = x[:, :1].copy()  # every electrode is still "flat" on the first block
            self._flat[rows] = ~(x != self._first[rows]).any(axis=1)
        if self._gain is None:
            x = self.reader.read(self.picks, a, b)
            return x[self.anode] - x[self.cathode]
        out = self.reader.read_diff(self._anode_ch, self._cathode_ch, a, b)  # exact int16 differences
        out *= self._gain
        if self._shift.any():
            out += self._shift
        return out

    @property
    def flat_channels(self) -> list[str]:
        """EDF labels of the montage electrodes constant over everything read so far."""
        return [self.reader.ch_names[p] for p, f in zip(self.picks, self._flat) if f]

    def check_quality(self) -> None:
        """Refuse the recording if a montage electrode was constant over the whole recording.

        Call after the whole recording was read (:meth:`preprocess` does).

        Raises
        ------
        QualityError
        """
        flat = self.flat_channels
        if flat:
            raise QualityError(f"{self.path}: flat (constant) channel(s) {flat}: no signal over the whole recording")

    def output_sfreq(self, steps: list[dict]) -> float:
        """Rate (Hz) of the preprocessed signal.

        Parameters
        ----------
        steps : list of dict
            Preprocessing steps (``seizure.preprocessing``).

        Returns
        -------
        float
            Output sampling rate (Hz; frame rate for a feature step).
        """
        return output_sfreq(self.sfreq, steps)

    def preprocess(
        self,
        steps: list[dict],
        sink: Callable[[int, np.ndarray], None],
        block_s: float = 300.0,
        response_dir: str | os.PathLike | None = None,
        feature_chunks: bool = False,
        margin_s: float = 30.0,
    ) -> tuple[float, int]:
        """Montage and preprocess the whole recording, feeding ``sink`` block by block.

        The built-in steps (:data:`seizure.preprocessing.SPECTRAL_STEPS`, ``POINTWISE_STEPS``) at
        the head of ``steps`` stream in overlap-save blocks equal to whole-signal filtering.
        Any other step (a feature front end) needs context: by default the streamed prefix is
        gathered in memory and the rest applied to the whole recording (exact); with
        ``feature_chunks`` the recording goes through :meth:`preprocess_chunked` instead (bounded
        memory).

        Parameters
        ----------
        steps : list of dict
            Preprocessing steps (``seizure.preprocessing``).
        sink : callable
            ``sink(offset, block)``: consecutive blocks, float32, shape (len(plan.pairs) * k, n),
            channel-major (k = 1, or k rows per derivation for a feature step), ``offset`` the index
            of the block's first output sample. A block may be a view valid during the call only.
        block_s : float
            Seconds per block.
        response_dir : path-like, optional
            Where designed filter responses are kept between processes.
        feature_chunks : bool
            See above.
        margin_s : float
            Context (s) on each side of a chunk with ``feature_chunks``.

        Returns
        -------
        sfreq : float
            Output rate (Hz; frame rate for a feature step).
        k : int
            Rows per derivation.

        Raises
        ------
        QualityError
            Too low a rate for the steps, non-finite samples, or a flat electrode.
        seizure.preprocessing.StepError
            For bad steps.
        """
        check_rate(self.sfreq, steps, self.path)
        n_pairs = len(self.plan.pairs)
        n_stream = 0
        while n_stream < len(steps) and steps[n_stream]["name"] in SPECTRAL_STEPS | POINTWISE_STEPS:
            n_stream += 1
        head, tail = steps[:n_stream], steps[n_stream:]
        with self._quality_errors():
            if not tail:
                sfreq = stream_steps(self, self.n_times, n_pairs, self.sfreq, head, sink, block_s, response_dir)
                k = 1
            elif not feature_chunks:
                buf = np.empty((n_pairs, output_length(self.n_times, self.sfreq, head)), dtype=np.float32)

                def keep(o: int, b: np.ndarray) -> None:
                    buf[:, o : o + b.shape[1]] = b

                sf = stream_steps(self, self.n_times, n_pairs, self.sfreq, head, keep, block_s, response_dir)
                out, sfreq = apply_steps(buf, sf, tail)
                del buf
                k = self._rows_per_pair(out, tail)
                if not np.isfinite(out).all():
                    raise StepError("non-finite (NaN or infinite) values after the feature step(s)")
                sink(0, out)
            else:
                return self.preprocess_chunked(steps, sink, block_s, margin_s)
        self.check_quality()
        return float(sfreq), k

    def preprocess_chunked(
        self,
        steps: list[dict],
        sink: Callable[[int, np.ndarray], None],
        chunk_s: float = 300.0,
        margin_s: float = 30.0,
    ) -> tuple[float, int]:
        """Like :meth:`preprocess`, in chunks of ``chunk_s`` seconds processed with ``margin_s``
        seconds of context on both sides, the margins dropped.

        Memory stays bounded for any steps; the output equals whole-recording processing wherever
        the steps' context is shorter than the margin.

        Parameters
        ----------
        steps : list of dict
            Preprocessing steps (``seizure.preprocessing``).
        sink : callable
            ``sink(offset, block)`` as in :meth:`preprocess`: consecutive float32 blocks, shape
            (len(plan.pairs) * k, n), ``offset`` the index of the block's first output sample.
        chunk_s : float
            Seconds of recording per chunk (at least 1 s).
        margin_s : float
            Seconds of context processed on each side of a chunk and then dropped.

        Returns
        -------
        sfreq : float
            Output rate (Hz; frame rate for a feature step).
        k : int
            Rows per derivation.

        Raises
        ------
        QualityError
            Too low a rate for the steps, non-finite samples, or a flat electrode.
        seizure.preprocessing.StepError
            For bad steps, or a step returning a row count that is not a multiple of the derivations.
        """
        check_rate(self.sfreq, steps, self.path)
        with self._quality_errors():
            sfreq, k = self._chunked(steps, sink, chunk_s, margin_s)
        self.check_quality()
        return float(sfreq), k

    @contextlib.contextmanager
    def _quality_errors(self):
        """Non-finite samples found while preprocessing are a property of the recording: QualityError."""
        try:
            yield
        except StepError as exc:
            if "non-finite" in str(exc):
                raise QualityError(f"{self.path}: {exc}") from None
            raise

    def _rows_per_pair(self, out: np.ndarray, tail: list[dict]) -> int:
        n_pairs = len(self.plan.pairs)
        if out.shape[0] % n_pairs:
            raise StepError(f"step(s) {[s['name'] for s in tail]} returned {out.shape[0]} rows for "
                            f"{n_pairs} channels; expected a multiple (rows per channel)")  # fmt: skip
        return out.shape[0] // n_pairs

    def _chunked(self, steps, sink, chunk_s: float, margin_s: float) -> tuple[float, int]:
        sf_out = output_sfreq(self.sfreq, steps)
        total_out = int(round(self.duration * sf_out))
        chunk_s = max(float(chunk_s), 1.0)
        t0, emitted, k = 0.0, 0, 1
        for t0, processed, lo in self._chunks(steps, chunk_s, margin_s):
            t1 = min(t0 + chunk_s, self.duration)
            hi = min(processed.shape[1], lo + int(round(t1 * sf_out)) - emitted)
            if t1 >= self.duration:
                hi = min(processed.shape[1], lo + total_out - emitted)
            k = self._rows_per_pair(processed, steps)
            block = np.ascontiguousarray(processed[:, lo : max(hi, lo)], dtype=np.float32)
            if not np.isfinite(block).all():
                raise StepError(f"non-finite (NaN or infinite) values near {t0:.0f} s")
            sink(emitted, block)
            emitted += block.shape[1]
            if emitted >= total_out or block.shape[1] == 0:
                break
        return sf_out, k

    def _chunks(self, steps, chunk_s: float, margin_s: float) -> Iterator[tuple[float, np.ndarray, int]]:
        sf_out = output_sfreq(self.sfreq, steps)
        t0 = 0.0
        while t0 < self.duration:
            t1 = min(t0 + chunk_s, self.duration)
            a, b = max(0.0, t0 - margin_s), min(self.duration, t1 + margin_s)
            ia, ib = int(round(a * self.sfreq)), min(int(round(b * self.sfreq)), self.n_times)
            processed, _ = apply_steps(self(ia, ib).astype(np.float64), self.sfreq, steps)
            yield t0, processed, int(round((t0 - a) * sf_out))
            t0 = t1


def expand_rows(block: np.ndarray, plan: ChannelPlan) -> np.ndarray:
    """A block of the plan's derivations as the full TCP layout, absent derivations zero rows.

    Parameters
    ----------
    block : ndarray, shape (len(plan.pairs) * k, n)
        Rows of the computed derivations, ``k`` consecutive rows per derivation.
    plan : ChannelPlan
        The plan the block was computed with.

    Returns
    -------
    ndarray, shape (22 * k, n), float32
    """
    k = block.shape[0] // len(plan.pairs)
    rows = (np.flatnonzero(plan.present)[:, None] * k + np.arange(k)).ravel()
    full = np.zeros((len(TCP_PAIRS) * k, block.shape[1]), dtype=np.float32)
    full[rows] = block
    return full
