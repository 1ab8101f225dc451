"""Labels, label tracks and the flat per-corpus track arrays every scorer works on.

Every NEDC scorer first turns a file into a *label track* (:func:`label_track`): the events are
mapped to ``seiz``/``bckg``, sorted, the gaps and the tail are filled with ``bckg`` and
consecutive events with the same label are merged, so that the track covers
``[0, duration]``. :class:`Tracks` holds the tracks of a whole corpus as flat arrays so the
vectorized scorers can work on all files at once.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from seizure._validation import SeizureError
from seizure.io.events import KNOWN_LABELS, Annotation, Event, is_seizure, normalize_label

__all__ = [
    "SEIZ",
    "BCKG",
    "LABELS",
    "EPOCH_S",
    "PAIR_DURATION_TOLERANCE_S",
    "ScoringError",
    "Segment",
    "Tracks",
    "map_label",
    "label_track",
    "seizure_spans",
    "check_duration",
    "check_pair",
    "build_tracks",
]

#: The two classes of the official two-class parameter file.
SEIZ = "seiz"
BCKG = "bckg"
#: Scored labels, in the order the official tool reports them (codes 0 and 1).
LABELS = (SEIZ, BCKG)
#: Epoch length of the official EPOCH and IRA scoring (``epoch_duration``).
EPOCH_S = 0.25
#: Largest accepted difference (s) between the durations of a reference and a hypothesis file
#: scored together (the default of ``seizure score --duration-tolerance``).
PAIR_DURATION_TOLERANCE_S = 0.01

# The official tool rounds boundaries to 4 decimals when it fills gaps with background.
_DECIMALS = 4

Segment = tuple[float, float, str]


class ScoringError(SeizureError):
    """Scoring input that cannot be scored: unknown label, bad duration, mismatched pair, bad option."""


def map_label(label: str) -> str:
    """Map a TUSZ label to the scored class.

    Parameters
    ----------
    label : str
        Any TUSZ label (case-insensitive).

    Returns
    -------
    str
        ``"seiz"`` for the epileptic seizure types (``seiz``, ``fnsz``, ``gnsz``, ...);
        ``"bckg"`` for ``bckg``/``bkgd`` and for ``nesz`` (non-epileptic seizures).

    Raises
    ------
    ScoringError
        If the label is not in the TUSZ seizure vocabulary.
    """
    key = normalize_label(label)
    if is_seizure(key):
        return SEIZ
    if key in KNOWN_LABELS:
        return BCKG
    raise ScoringError(f"unknown annotation label {label!r}; expected one of {sorted(KNOWN_LABELS | {'bkgd'})}")


def check_duration(duration: float) -> float:
    """Return ``duration`` (seconds) as a float; :class:`ScoringError` unless positive and finite.

    Parameters
    ----------
    duration : float
        Recording duration in seconds (any number-like value, e.g. a string read from a file).

    Returns
    -------
    float
        The same duration in seconds.

    Raises
    ------
    ScoringError
        If ``duration`` is not a number, not finite, or not > 0.
    """
    try:
        duration = float(duration)
    except (TypeError, ValueError):
        raise ScoringError(f"duration must be a positive number of seconds, got {duration!r}") from None
    if not duration > 0 or not math.isfinite(duration):
        raise ScoringError(f"duration must be a positive number of seconds, got {duration!r}")
    return duration


def label_track(events: Iterable[Event], duration: float) -> list[Segment]:
    """Build the NEDC label track of one file.

    Parameters
    ----------
    events : iterable of Event
        The file's events, in any order, on any channel. ``bckg``/``nesz`` events are
        ignored (background is whatever is not seizure).
    duration : float
        Recording duration in seconds (the file header).

    Returns
    -------
    list of (start, stop, label)
        Segments covering ``[0, duration]`` in time order, alternating ``seiz``/``bckg``.

    Raises
    ------
    ScoringError
        If ``duration`` is not positive or a label is unknown.

    Notes
    -----
    Mirrors the official pre-processing: seizure events are sorted by start, a ``bckg``
    filler is inserted wherever the start of an event (rounded to 4 decimals) differs from
    the end of the previous one (rounded likewise), a ``bckg`` tail runs to the rounded
    duration, and consecutive events with the same label are merged. Seizure events keep
    their exact times; fillers use the rounded ones. Seizure events that overlap (e.g. the
    same seizure on several channels of a per-channel ``.csv`` file) are unioned, and
    events are clipped to ``[0, duration]``; the official tool assumes well-formed
    ``.csv_bi`` input and has no defined behaviour for these cases.
    """
    duration = check_duration(duration)
    spans = []
    for ev in events:
        if map_label(ev.label) != SEIZ:
            continue
        start, stop = max(0.0, float(ev.start)), min(duration, float(ev.stop))
        if stop > start:
            spans.append([start, stop])
    spans.sort()
    merged: list[list[float]] = []
    for start, stop in spans:
        if merged and round(start, _DECIMALS) <= round(merged[-1][1], _DECIMALS):
            merged[-1][1] = max(merged[-1][1], stop)
        else:
            merged.append([start, stop])
    track: list[Segment] = []
    now = 0.0
    for start, stop in merged:
        begin = round(start, _DECIMALS)
        if begin > now:
            track.append((now, begin, BCKG))
        track.append((start, stop, SEIZ))
        now = round(stop, _DECIMALS)
    end = round(duration, _DECIMALS)
    if end > now:
        track.append((now, end, BCKG))
    return track


def seizure_spans(events: Iterable[Event]) -> list[tuple[float, float]]:
    """Seizure events of one file, sorted, with overlapping events unioned (exact times).

    Parameters
    ----------
    events : iterable of Event
        The file's events; only seizure labels are kept (``bckg``/``nesz`` dropped).

    Returns
    -------
    list of (start, stop)
        Sorted by start. Events that strictly overlap are unioned; touching events are kept
        apart. Times are not clipped to the recording. This is the input of the SzCORE
        scorers, which, like ``timescoring``, expect sorted non-overlapping events.
    """
    spans = sorted((float(ev.start), float(ev.stop)) for ev in events if map_label(ev.label) == SEIZ)
    out: list[list[float]] = []
    for start, stop in spans:
        if out and start < out[-1][1]:
            out[-1][1] = max(out[-1][1], stop)
        else:
            out.append([start, stop])
    return [(a, b) for a, b in out]


@dataclass
class Tracks:
    """Label tracks of many files as flat arrays (one row per segment).

    Parameters
    ----------
    start, stop : ndarray of float64, shape (n_segments,)
        Segment bounds in seconds, file-local.
    code : ndarray of int8, shape (n_segments,)
        Label index into :data:`LABELS` (0 = ``seiz``, 1 = ``bckg``).
    file : ndarray of int64, shape (n_segments,)
        File index of each segment; segments are sorted by file, then time.
    ptr : ndarray of int64, shape (n_files + 1,)
        Segments of file ``f`` are ``ptr[f]:ptr[f + 1]``.
    """

    start: np.ndarray
    stop: np.ndarray
    code: np.ndarray
    file: np.ndarray
    ptr: np.ndarray

    @classmethod
    def from_segments(cls, tracks: Sequence[Sequence[Segment]]) -> Tracks:
        """Flatten per-file label tracks (lists of ``(start, stop, label)``).

        Parameters
        ----------
        tracks : sequence of sequence of (float, float, str)
            One label track per file (:func:`label_track`): segments in seconds, in time order,
            labelled ``seiz`` or ``bckg`` (any label other than ``seiz`` is stored as ``bckg``).

        Returns
        -------
        Tracks
            The segments of file ``f`` at ``ptr[f]:ptr[f + 1]``, in the given order.
        """
        lengths = np.fromiter((len(t) for t in tracks), dtype=np.int64, count=len(tracks))
        ptr = np.zeros(len(tracks) + 1, dtype=np.int64)
        np.cumsum(lengths, out=ptr[1:])
        flat = [seg for t in tracks for seg in t]
        start = np.fromiter((s[0] for s in flat), dtype=np.float64, count=len(flat))
        stop = np.fromiter((s[1] for s in flat), dtype=np.float64, count=len(flat))
        code = np.fromiter((s[2] != SEIZ for s in flat), dtype=np.int8, count=len(flat))
        file = np.repeat(np.arange(len(tracks), dtype=np.int64), lengths)
        return cls(start, stop, code, file, ptr)

    @property
    def n_files(self) -> int:
        """Number of files (``len(ptr) - 1``), empty tracks included."""
        return len(self.ptr) - 1

    def of_label(self, code: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(file, start, stop)`` of the segments with label ``code``, still file-sorted.

        Parameters
        ----------
        code : int
            Label index into :data:`LABELS` (0 = ``seiz``, 1 = ``bckg``).

        Returns
        -------
        file : ndarray of int64, shape (n_selected,)
            File index of each selected segment.
        start, stop : ndarray of float64, shape (n_selected,)
            Bounds of the selected segments in seconds, file-local.
        """
        sel = self.code == code
        return self.file[sel], self.start[sel], self.stop[sel]

    def segments(self, f: int) -> list[Segment]:
        """The label track of file ``f`` as a list of ``(start, stop, label)``.

        Parameters
        ----------
        f : int
            File index, in ``[0, n_files)``.

        Returns
        -------
        list of (float, float, str)
            Segments in seconds, in time order, labelled ``seiz`` or ``bckg``.
        """
        a, b = self.ptr[f], self.ptr[f + 1]
        return [(float(s), float(e), LABELS[c]) for s, e, c in zip(self.start[a:b], self.stop[a:b], self.code[a:b])]


def check_pair(ref: Annotation, hyp: Annotation, tolerance: float = PAIR_DURATION_TOLERANCE_S) -> float:
    """Check that a reference and a hypothesis describe the same recording.

    Parameters
    ----------
    ref, hyp : Annotation
        Reference and hypothesis annotations of one recording.
    tolerance : float
        Largest accepted difference between their durations, in seconds.

    Returns
    -------
    float
        The reference duration, which both tracks are built on.

    Raises
    ------
    ScoringError
        If the durations differ by more than ``tolerance`` seconds or the reference duration
        is not positive; the message names both files.
    """
    if abs(float(ref.duration) - float(hyp.duration)) > tolerance:
        raise ScoringError(
            f"durations differ: reference {ref.bname!r} states {ref.duration} s, hypothesis "
            f"{hyp.bname!r} states {hyp.duration} s (tolerance {tolerance} s)"
        )
    try:
        return check_duration(ref.duration)
    except ScoringError as exc:
        raise ScoringError(f"reference {ref.bname!r}: {exc}") from None


def build_tracks(
    pairs: Iterable[tuple[Annotation, Annotation]],
    tolerance: float = PAIR_DURATION_TOLERANCE_S,
) -> tuple[Tracks, Tracks, np.ndarray]:
    """Label tracks of every reference and hypothesis of a corpus.

    Parameters
    ----------
    pairs : iterable of (Annotation, Annotation)
        ``(reference, hypothesis)`` per recording.
    tolerance : float
        Largest accepted duration difference within a pair, seconds.

    Returns
    -------
    (Tracks, Tracks, ndarray)
        Reference tracks, hypothesis tracks (both built on the reference duration) and the
        durations, shape (n_files,).

    Raises
    ------
    ScoringError
        For a duration mismatch or an unknown label; the message names the file.
    """
    ref_tracks, hyp_tracks, durations = [], [], []
    for ref, hyp in pairs:
        duration = check_pair(ref, hyp, tolerance)
        try:
            ref_tracks.append(label_track(ref.events, duration))
        except ScoringError as exc:
            raise ScoringError(f"reference {ref.bname!r}: {exc}") from None
        try:
            hyp_tracks.append(label_track(hyp.events, duration))
        except ScoringError as exc:
            raise ScoringError(f"hypothesis {hyp.bname!r}: {exc}") from None
        durations.append(duration)
    return (
        Tracks.from_segments(ref_tracks),
        Tracks.from_segments(hyp_tracks),
        np.asarray(durations, dtype=np.float64),
    )
