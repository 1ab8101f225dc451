"""TUSZ v2.0.x annotation files: ``.csv`` (per channel) and ``.csv_bi`` (recording level).

Both share one layout; ``.csv_bi`` events are on channel ``TERM`` and labelled ``seiz``/``bckg``,
``.csv`` events name a montage channel and carry the seizure type::

    # version = csv_v1.0.0
    # bname = aaaaaaac_s001_t000
    # duration = 301.00 secs
    # montage_file = $NEDC_NFC/lib/nedc_eas_default_montage.txt
    #
    channel,start_time,stop_time,label,confidence
    FP1-F7,0.0000,36.8868,bckg,1.0000

A byte order mark and CRLF line endings are accepted when reading.
"""

from __future__ import annotations

import os
from pathlib import Path

from seizure.io.events import (
    BI_LABELS,
    TERM,
    Annotation,
    AnnotationError,
    Event,
    is_seizure,
    normalize_label,
    validate_events,
    with_background,
)
from seizure.io.text import atomic_write, numbered_lines, read_text

__all__ = ["CSV_HEADER", "MONTAGE_FILE", "read_csv", "read_csv_bi", "write_csv", "write_csv_bi"]

#: Column header line of both formats.
CSV_HEADER = "channel,start_time,stop_time,label,confidence"
#: ``montage_file`` header value written by TUH tools.
MONTAGE_FILE = "$NEDC_NFC/lib/nedc_eas_default_montage.txt"


def _duration(value: str, where: str) -> float:
    number = value.replace("secs", "").strip()
    try:
        return float(number)
    except ValueError:
        raise AnnotationError(f"{where}: field 'duration' should be '<seconds> secs', got {value!r}") from None


def _parse(path: Path, allowed_labels: frozenset[str] | None) -> Annotation:
    bname = None
    duration = None
    events: list[Event] = []
    lines: list[int] = []
    seen_header = False
    for lineno, line in numbered_lines(read_text(path, AnnotationError, "annotation")):
        if line.startswith("#"):
            key, eq, value = line.lstrip("#").partition("=")
            if eq and key.strip() == "bname":
                bname = value.strip()
            elif eq and key.strip() == "duration":
                duration = _duration(value.strip(), f"{path}:{lineno}")
            continue
        if not seen_header:
            cols = [c.strip() for c in line.split(",")]
            if cols != CSV_HEADER.split(","):
                raise AnnotationError(f"{path}:{lineno}: expected column header {CSV_HEADER!r}, got {line!r}")
            seen_header = True
            continue
        parts = [p.strip() for p in line.split(",")]
        if len(parts) != 5:
            raise AnnotationError(
                f"{path}:{lineno}: expected 5 comma-separated fields ({CSV_HEADER}), got {len(parts)}"
            )
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
        raise AnnotationError(f"{path}: missing column header line {CSV_HEADER!r}")
    validate_events(events, duration, str(path), allowed_labels, lines)
    return Annotation(bname=bname or path.stem, duration=duration, events=events)


def read_csv_bi(path: str | os.PathLike) -> Annotation:
    """Read a TUSZ ``.csv_bi`` file (recording-level ``seiz``/``bckg`` events).

    Parameters
    ----------
    path : path-like
        The file.

    Returns
    -------
    Annotation
        ``bname`` from the header (else the file stem), ``duration`` in seconds from the header.

    Raises
    ------
    AnnotationError
        On a format error, a label other than ``seiz``/``bckg``, an event not on channel ``TERM``,
        bad bounds or overlapping events.
    """
    path = Path(path)
    ann = _parse(path, BI_LABELS)
    for ev in ann.events:
        if ev.channel != TERM:
            raise AnnotationError(f"{path}: .csv_bi events must be on channel 'TERM', got {ev.channel!r}")
    return ann


def read_csv(path: str | os.PathLike) -> Annotation:
    """Read a TUSZ per-channel ``.csv`` file (full seizure-type vocabulary).

    Parameters
    ----------
    path : path-like
        The file.

    Returns
    -------
    Annotation
        Per-channel events, background included.

    Raises
    ------
    AnnotationError
        On a format or validation error (naming the file and the line).
    """
    return _parse(Path(path), None)


def _write(path: Path, bname: str, duration: float, events: list[Event]) -> None:
    lines = [
        "# version = csv_v1.0.0",
        f"# bname = {bname}",
        f"# duration = {duration:.2f} secs",
        f"# montage_file = {MONTAGE_FILE}",
        "#",
        CSV_HEADER,
    ]
    for ev in events:
        lines.append(f"{ev.channel},{ev.start:.4f},{ev.stop:.4f},{ev.label},{ev.confidence:.4f}")
    atomic_write(path, "\n".join(lines) + "\n")


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
    path : path-like
        Destination (written atomically).
    seizures : list of Event
        Recording-level seizure events (labels other than ``seiz`` are mapped to ``seiz``;
        ``bckg``/``nesz`` events are ignored).
    duration : float
        Recording duration in seconds (header field).
    bname : str, optional
        Recording name of the header (default: the file stem).
    fill_background : bool
        Write ``bckg`` rows for the gaps, as TUSZ does.
    """
    path = Path(path)
    seiz = [Event(e.start, e.stop, "seiz", TERM, e.confidence) for e in seizures if is_seizure(e.label)]
    if fill_background:
        events = with_background(seiz, duration, TERM)
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
    path : path-like
        Destination (written atomically).
    events_by_channel : dict
        Montage channel name -> events on that channel (typed labels such as ``fnsz``; ``bckg``
        rows are regenerated). Every channel that should appear must be a key, even with no events.
    duration : float
        Recording duration in seconds.
    bname : str, optional
        Recording name of the header (default: the file stem).
    """
    path = Path(path)
    rows: list[Event] = []
    for channel, evs in events_by_channel.items():
        rows.extend(with_background(evs, duration, channel))
    _write(path, bname or path.stem, duration, rows)
