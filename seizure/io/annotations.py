"""Seizure annotations: one in-memory type (:class:`Annotation`, alias ``Events``) for every format.

Formats (readers and writers; :func:`read_annotations` / :func:`write_annotations` dispatch on the
file suffix):

- ``.csv`` (per channel) and ``.csv_bi`` (recording level, channel ``TERM``), TUSZ v2.0.x::

    # version = csv_v1.0.0
    # bname = aaaaaaac_s001_t000
    # duration = 301.00 secs
    # montage_file = $NEDC_NFC/lib/nedc_eas_default_montage.txt
    #
    channel,start_time,stop_time,label,confidence
    FP1-F7,0.0000,36.8868,bckg,1.0000

- ``.tse`` / ``.tse_bi`` and ``.lbl`` / ``.lbl_bi`` (TUSZ v1.x): :mod:`seizure.io.legacy`.
- BIDS (SzCORE) ``*_events.tsv``: :mod:`seizure.io.bids`.

Times are in seconds. Validation is the same for every format (:func:`validate_events`):
``stop <= start``, events outside ``[0, duration]``, overlapping events on one channel
(recording-level events are on channel ``TERM``) and unknown labels are errors naming the file
and the line; nothing is repaired silently. The one documented repair is the old label ``bkgd``,
read as ``bckg``. ``nesz`` (non-epileptic seizure) is kept as a label but is not a seizure for
detection (:func:`is_seizure`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from seizure._validation import SeizureError

__all__ = [
    "Event",
    "Annotation",
    "Events",
    "SEIZURE_LABELS",
    "KNOWN_LABELS",
    "ANNOTATION_SUFFIXES",
    "AnnotationError",
    "normalize_label",
    "is_seizure",
    "validate_events",
    "merge_intervals",
    "with_background",
    "read_csv",
    "write_csv",
    "read_csv_bi",
    "write_csv_bi",
    "read_annotations",
    "write_annotations",
]

#: Seizure types of the TUSZ vocabulary (``nesz`` is excluded: non-epileptic).
SEIZURE_LABELS = frozenset(
    {"seiz", "fnsz", "gnsz", "spsz", "cpsz", "absz", "tnsz", "cnsz", "tcsz", "atsz", "mysz"}
)
#: Every label a TUSZ seizure annotation may carry.
KNOWN_LABELS = SEIZURE_LABELS | {"bckg", "nesz"}
_ALIASES = {"bkgd": "bckg"}
_HEADER = "channel,start_time,stop_time,label,confidence"
MONTAGE_FILE = "$NEDC_NFC/lib/nedc_eas_default_montage.txt"
#: Suffixes with a reader, in the order recording-level labels are preferred.
ANNOTATION_SUFFIXES = (".csv_bi", "_events.tsv", ".tse_bi", ".csv", ".tse", ".lbl_bi", ".lbl")
#: Seconds of slack for float rounding in durations and event bounds (files keep 2-4 decimals).
TOLERANCE_S = 1e-3


class AnnotationError(SeizureError):
    """An annotation file does not follow the expected format or is inconsistent."""


@dataclass(frozen=True)
class Event:
    """One annotated interval.

    Parameters
    ----------
    start, stop : float
        Seconds from the start of the recording, ``stop > start``.
    label : str
        TUSZ label (``seiz``, ``bckg``, ``fnsz``, ...).
    channel : str
        Montage channel (``FP1-F7``) or ``TERM`` for a recording-level event.
    confidence : float
        Annotator confidence or detector probability in [0, 1].
    """

    start: float
    stop: float
    label: str
    channel: str = "TERM"
    confidence: float = 1.0

    @property
    def duration(self) -> float:
        """Seconds."""
        return self.stop - self.start


@dataclass
class Annotation:
    """The events of one recording, whatever file they came from.

    Attributes
    ----------
    bname : str
        Recording name (EDF file stem).
    duration : float
        Recording duration in seconds.
    events : list of Event
        Recording-level (channel ``TERM``) and/or per-channel events, background included when
        the file lists it.
    """

    bname: str
    duration: float
    events: list[Event] = field(default_factory=list)

    def seizures(self) -> list[Event]:
        """Seizure events as listed (any channel), sorted by start, ``nesz`` excluded."""
        return sorted((e for e in self.events if is_seizure(e.label)), key=lambda e: e.start)

    @property
    def channels(self) -> list[str]:
        """Channels named by the events, in first-use order (``TERM`` for recording level)."""
        return list(dict.fromkeys(e.channel for e in self.events))

    def recording_seizures(self) -> list[Event]:
        """Recording-level seizures: ``TERM`` events, else the union over channels.

        Per-channel files (``.csv``, ``.lbl``) give a seizure wherever any channel has one, as
        TUH derives its ``_bi`` files; merged intervals keep the label when all parts agree and
        become ``seiz`` otherwise.
        """
        seiz = self.seizures()
        term = [e for e in seiz if e.channel == "TERM"]
        if term or not seiz:
            return term
        return merge_intervals(seiz)


#: The one events type of the project (same class).
Events = Annotation


def normalize_label(label: str) -> str:
    """Lower-case, stripped label with the documented alias ``bkgd -> bckg``."""
    key = label.strip().lower()
    return _ALIASES.get(key, key)


def is_seizure(label: str) -> bool:
    """True for epileptic seizure labels (``nesz`` and ``bckg`` are not)."""
    return label in SEIZURE_LABELS


def merge_intervals(events: list[Event]) -> list[Event]:
    """Union of overlapping/touching events as ``TERM`` events (max confidence kept)."""
    out: list[Event] = []
    for ev in sorted(events, key=lambda e: e.start):
        if out and ev.start <= out[-1].stop + 1e-9:
            last = out[-1]
            label = last.label if last.label == ev.label else "seiz"
            out[-1] = Event(last.start, max(last.stop, ev.stop), label, "TERM", max(last.confidence, ev.confidence))
        else:
            out.append(Event(ev.start, ev.stop, ev.label, "TERM", ev.confidence))
    return out


def validate_events(
    events: list[Event],
    duration: float | None,
    source: str,
    allowed_labels: frozenset[str] | None = None,
    lines: list[int] | None = None,
) -> None:
    """Check labels, bounds and overlaps; raise :class:`AnnotationError` naming file and line.

    Parameters
    ----------
    events : list of Event
    duration : float or None
        Recording duration in seconds (``None``: no upper bound check).
    source : str
        File name for the messages.
    allowed_labels : frozenset of str, optional
        Labels the format allows (default: the whole TUSZ vocabulary).
    lines : list of int, optional
        Line number of each event in ``source``.
    """
    allowed = allowed_labels or KNOWN_LABELS
    where = [f"{source}:{n}" for n in lines] if lines else [source] * len(events)
    for ev, at in zip(events, where):
        if ev.label not in allowed:
            raise AnnotationError(f"{at}: unknown label {ev.label!r}; expected one of {sorted(allowed)}")
        if not ev.stop > ev.start:
            raise AnnotationError(f"{at}: stop_time {ev.stop} must be greater than start_time {ev.start}")
        if ev.start < -TOLERANCE_S or (duration is not None and ev.stop > duration + TOLERANCE_S):
            raise AnnotationError(
                f"{at}: event {ev.label} [{ev.start}, {ev.stop}] on {ev.channel} lies outside the "
                f"recording duration {duration} s"
            )
        if not 0.0 <= ev.confidence <= 1.0:
            raise AnnotationError(f"{at}: confidence {ev.confidence} is outside [0, 1]")
    by_channel: dict[str, list[tuple[Event, str]]] = {}
    for ev, at in zip(events, where):
        by_channel.setdefault(ev.channel, []).append((ev, at))
    for channel, evs in by_channel.items():
        evs.sort(key=lambda p: p[0].start)
        for (a, _), (b, at) in zip(evs, evs[1:]):
            if b.start < a.stop - TOLERANCE_S:
                kind = "recording-level" if channel == "TERM" else f"channel {channel}"
                raise AnnotationError(
                    f"{at}: overlapping {kind} events {a.label} [{a.start}, {a.stop}] and "
                    f"{b.label} [{b.start}, {b.stop}]"
                )


def _read_text(path: Path) -> str:
    try:
        return path.read_text()
    except OSError as exc:
        raise AnnotationError(f"{path}: cannot read annotation file ({exc.strerror})") from exc
    except UnicodeDecodeError:
        raise AnnotationError(f"{path}: not a text annotation file (undecodable bytes)") from None


def _parse_csv(path: Path, allowed_labels: frozenset[str] | None) -> Annotation:
    text = _read_text(path)
    bname = None
    duration = None
    events: list[Event] = []
    lines: list[int] = []
    seen_header = False
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            body = line.lstrip("#").strip()
            if "=" in body:
                key, value = (p.strip() for p in body.split("=", 1))
                if key == "bname":
                    bname = value
                elif key == "duration":
                    number = value.replace("secs", "").strip()
                    try:
                        duration = float(number)
                    except ValueError:
                        raise AnnotationError(
                            f"{path}:{lineno}: field 'duration' should be '<seconds> secs', got {value!r}"
                        ) from None
            continue
        if not seen_header:
            cols = [c.strip() for c in line.split(",")]
            if cols != _HEADER.split(","):
                raise AnnotationError(f"{path}:{lineno}: expected column header {_HEADER!r}, got {line!r}")
            seen_header = True
            continue
        parts = [p.strip() for p in line.split(",")]
        if len(parts) != 5:
            raise AnnotationError(f"{path}:{lineno}: expected 5 comma-separated fields, got {len(parts)}")
        channel, start_s, stop_s, label, conf_s = parts
        try:
            start, stop, conf = float(start_s), float(stop_s), float(conf_s)
        except ValueError:
            raise AnnotationError(
                f"{path}:{lineno}: start_time, stop_time and confidence must be numbers, "
                f"got {[start_s, stop_s, conf_s]}"
            ) from None
        events.append(Event(start, stop, normalize_label(label), channel, conf))
        lines.append(lineno)
    if duration is None:
        raise AnnotationError(f"{path}: missing header field 'duration' ('# duration = <seconds> secs')")
    if not seen_header:
        raise AnnotationError(f"{path}: missing column header line {_HEADER!r}")
    validate_events(events, duration, str(path), allowed_labels, lines)
    return Annotation(bname=bname or path.stem, duration=duration, events=events)


def read_csv_bi(path: str | os.PathLike) -> Annotation:
    """Read a TUSZ ``.csv_bi`` file (recording-level ``seiz``/``bckg`` events).

    Raises
    ------
    AnnotationError
        On a format error, a label other than ``seiz``/``bckg``, bad bounds or overlapping events.
    """
    ann = _parse_csv(Path(path), frozenset({"seiz", "bckg"}))
    for ev in ann.events:
        if ev.channel != "TERM":
            raise AnnotationError(f"{path}: .csv_bi events must be on channel 'TERM', got {ev.channel!r}")
    return ann


def read_csv(path: str | os.PathLike) -> Annotation:
    """Read a TUSZ per-channel ``.csv`` file (full seizure-type vocabulary)."""
    return _parse_csv(Path(path), None)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _write(path: Path, bname: str, duration: float, events: list[Event]) -> None:
    lines = [
        "# version = csv_v1.0.0",
        f"# bname = {bname}",
        f"# duration = {duration:.2f} secs",
        f"# montage_file = {MONTAGE_FILE}",
        "#",
        _HEADER,
    ]
    for ev in events:
        lines.append(f"{ev.channel},{ev.start:.4f},{ev.stop:.4f},{ev.label},{ev.confidence:.4f}")
    _atomic_write(path, "\n".join(lines) + "\n")


def with_background(events: list[Event], duration: float, channel: str) -> list[Event]:
    """Segment ``[0, duration]`` fully: the given non-``bckg`` events with ``bckg`` in the gaps."""
    out: list[Event] = []
    t = 0.0
    for ev in sorted((e for e in events if e.label != "bckg"), key=lambda e: e.start):
        if ev.start > t + 1e-9:
            out.append(Event(t, ev.start, "bckg", channel, 1.0))
        out.append(Event(ev.start, ev.stop, ev.label, channel, ev.confidence))
        t = max(t, ev.stop)
    if t < duration - 1e-9:
        out.append(Event(t, duration, "bckg", channel, 1.0))
    return out


def write_csv_bi(
    path: str | os.PathLike,
    seizures: list[Event],
    duration: float,
    bname: str | None = None,
    fill_background: bool = True,
) -> None:
    """Write a ``.csv_bi`` file; every seizure-type label is written as ``seiz``.

    Parameters
    ----------
    seizures : list of Event
        Recording-level seizure events (labels other than ``seiz`` are mapped to ``seiz``;
        ``bckg``/``nesz`` events are ignored).
    duration : float
        Recording duration in seconds (header field).
    fill_background : bool
        Write ``bckg`` rows for the gaps, as TUSZ does.
    """
    path = Path(path)
    seiz = [Event(e.start, e.stop, "seiz", "TERM", e.confidence) for e in seizures if is_seizure(e.label)]
    if fill_background:
        events = with_background(seiz, duration, "TERM")
    else:
        events = sorted(seiz, key=lambda e: e.start)
    _write(path, bname or path.stem, duration, events)


def write_csv(
    path: str | os.PathLike,
    events_by_channel: dict[str, list[Event]],
    duration: float,
    bname: str | None = None,
) -> None:
    """Write a per-channel ``.csv`` file, each channel fully segmented (``bckg`` in the gaps).

    Parameters
    ----------
    events_by_channel : dict
        Montage channel name -> events on that channel (typed labels such as ``fnsz``; ``bckg``
        rows are regenerated). Every channel that should appear must be a key, even with no events.
    duration : float
        Recording duration in seconds.
    """
    path = Path(path)
    rows: list[Event] = []
    for channel, evs in events_by_channel.items():
        rows.extend(with_background(evs, duration, channel))
    _write(path, bname or path.stem, duration, rows)


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for suffix in ANNOTATION_SUFFIXES:
        if name.endswith(suffix):
            return suffix
    return path.suffix.lower()


def read_annotations(path: str | os.PathLike) -> Annotation:
    """Read any supported annotation file, chosen by its suffix.

    Supported: ``.csv``, ``.csv_bi``, ``.tse``, ``.tse_bi``, ``.lbl``, ``.lbl_bi``, ``*_events.tsv``.

    Raises
    ------
    AnnotationError
        For an unsupported suffix or any format/validation error.
    """
    from seizure.io import bids, legacy

    path = Path(path)
    readers = {
        ".csv_bi": read_csv_bi,
        ".csv": read_csv,
        ".tse": legacy.read_tse,
        ".tse_bi": legacy.read_tse_bi,
        ".lbl": legacy.read_lbl,
        ".lbl_bi": legacy.read_lbl_bi,
        "_events.tsv": bids.read_events_tsv,
    }
    suffix = _suffix(path)
    if suffix not in readers:
        raise AnnotationError(f"{path}: unsupported annotation format; expected one of {list(ANNOTATION_SUFFIXES)}")
    return readers[suffix](path)


def write_annotations(path: str | os.PathLike, ann: Annotation) -> None:
    """Write ``ann`` in the format of the suffix of ``path`` (see :func:`read_annotations`).

    ``_bi`` formats receive the recording-level seizures (typed labels become ``seiz``);
    per-channel formats receive each channel's events (a recording-level annotation is written
    on the single channel ``TERM``).
    """
    from seizure.io import bids, legacy

    path = Path(path)
    suffix = _suffix(path)
    by_channel: dict[str, list[Event]] = {}
    for ev in ann.events:
        by_channel.setdefault(ev.channel, []).append(ev)
    if suffix == ".csv_bi":
        write_csv_bi(path, ann.recording_seizures(), ann.duration, ann.bname)
    elif suffix == ".csv":
        write_csv(path, by_channel or {"TERM": []}, ann.duration, ann.bname)
    elif suffix in (".tse", ".tse_bi"):
        legacy.write_tse(path, ann, binary=suffix == ".tse_bi")
    elif suffix in (".lbl", ".lbl_bi"):
        legacy.write_lbl(path, ann, binary=suffix == ".lbl_bi")
    elif suffix == "_events.tsv":
        bids.write_events_tsv(path, ann)
    else:
        raise AnnotationError(f"{path}: unsupported annotation format; expected one of {list(ANNOTATION_SUFFIXES)}")
