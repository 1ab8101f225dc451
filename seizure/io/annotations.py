"""TUSZ annotation files: ``.csv`` (per channel) and ``.csv_bi`` (whole recording).

Format (TUSZ v2.0.x)::

    # version = csv_v1.0.0
    # bname = aaaaaaac_s001_t000
    # duration = 301.00 secs
    # montage_file = $NEDC_NFC/lib/nedc_eas_default_montage.txt
    #
    channel,start_time,stop_time,label,confidence
    FP1-F7,0.0000,36.8868,bckg,1.0000

Times are in seconds. ``.csv_bi`` uses the channel ``TERM`` and the labels ``seiz``/``bckg``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "Event",
    "Annotation",
    "SEIZURE_LABELS",
    "KNOWN_LABELS",
    "AnnotationError",
    "read_csv",
    "write_csv",
    "read_csv_bi",
    "write_csv_bi",
    "is_seizure",
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


class AnnotationError(ValueError):
    """An annotation file does not follow the expected format."""


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
        return self.stop - self.start


@dataclass
class Annotation:
    """The contents of one annotation file."""

    bname: str
    duration: float
    events: list[Event] = field(default_factory=list)

    def seizures(self) -> list[Event]:
        """Recording-level seizure events, sorted by start, ``nesz`` excluded."""
        return sorted((e for e in self.events if is_seizure(e.label)), key=lambda e: e.start)


def is_seizure(label: str) -> bool:
    """True for epileptic seizure labels (``nesz`` and ``bckg`` are not)."""
    return label in SEIZURE_LABELS


def _parse(path: Path, allowed_labels: frozenset[str] | None) -> Annotation:
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise AnnotationError(f"{path}: cannot read annotation file ({exc.strerror})") from exc
    bname = None
    duration = None
    events: list[Event] = []
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
                raise AnnotationError(
                    f"{path}:{lineno}: expected column header {_HEADER!r}, got {line!r}"
                )
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
                f"{path}:{lineno}: start_time, stop_time and confidence must be numbers, got {parts[1:3] + [conf_s]}"
            ) from None
        label = _ALIASES.get(label.lower(), label.lower())
        if label not in KNOWN_LABELS or (allowed_labels is not None and label not in allowed_labels):
            expected = sorted(allowed_labels or KNOWN_LABELS)
            raise AnnotationError(f"{path}:{lineno}: unknown label {label!r}; expected one of {expected}")
        if stop <= start:
            raise AnnotationError(
                f"{path}:{lineno}: stop_time {stop} must be greater than start_time {start}"
            )
        events.append(Event(start, stop, label, channel, conf))
    if duration is None:
        raise AnnotationError(f"{path}: missing header field 'duration' ('# duration = <seconds> secs')")
    if not seen_header:
        raise AnnotationError(f"{path}: missing column header line {_HEADER!r}")
    tol = 1e-3
    for ev in events:
        if ev.stop > duration + tol or ev.start < -tol:
            raise AnnotationError(
                f"{path}: event {ev.label} [{ev.start}, {ev.stop}] on {ev.channel} lies outside the "
                f"recording duration {duration} s"
            )
    return Annotation(bname=bname or path.stem, duration=duration, events=events)


def read_csv_bi(path: str | os.PathLike) -> Annotation:
    """Read a TUSZ ``.csv_bi`` file (recording-level ``seiz``/``bckg`` events)."""
    ann = _parse(Path(path), frozenset({"seiz", "bckg"}))
    seiz = ann.seizures()
    for a, b in zip(seiz, seiz[1:]):
        if b.start < a.stop:
            raise AnnotationError(
                f"{path}: overlapping seizure events [{a.start}, {a.stop}] and [{b.start}, {b.stop}]"
            )
    return ann


def read_csv(path: str | os.PathLike) -> Annotation:
    """Read a TUSZ per-channel ``.csv`` file (full seizure-type vocabulary)."""
    return _parse(Path(path), None)


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
        lines.append(
            f"{ev.channel},{ev.start:.4f},{ev.stop:.4f},{ev.label},{ev.confidence:.4f}"
        )
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(lines) + "\n")
    os.replace(tmp, path)


def _fill_background(
    seizures: list[Event], duration: float, channel: str
) -> list[Event]:
    """Segment [0, duration] fully: seizure events with ``bckg`` in the gaps."""
    out: list[Event] = []
    t = 0.0
    for ev in sorted(seizures, key=lambda e: e.start):
        if ev.start > t:
            out.append(Event(t, ev.start, "bckg", channel, 1.0))
        out.append(Event(ev.start, ev.stop, ev.label, channel, ev.confidence))
        t = max(t, ev.stop)
    if t < duration:
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
    events = _fill_background(seiz, duration, "TERM") if fill_background else sorted(seiz, key=lambda e: e.start)
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
        Montage channel name -> seizure events on that channel (typed labels such as ``fnsz``).
        Every channel that should appear in the file must be a key, even with no events.
    """
    path = Path(path)
    rows: list[Event] = []
    for channel, evs in events_by_channel.items():
        rows.extend(_fill_background([e for e in evs if e.label != "bckg"], duration, channel))
    _write(path, bname or path.stem, duration, rows)
