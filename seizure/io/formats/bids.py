"""BIDS (SzCORE / epilepsy2bids) events files: ``*_events.tsv``.

Columns ``onset, duration, eventType, confidence, channels, dateTime, recordingDuration``
(seconds; ``n/a`` for missing values). ``eventType`` is ``bckg`` or a HED-SCORE seizure type
(``sz``, ``sz_foc_ia``, ``sz_gen``, ...). TUSZ labels map to seizure types as epilepsy2bids does
(:data:`TUSZ_TO_BIDS`); a seizure type without a TUSZ equivalent is read as ``seiz`` (and written
back as ``sz``). ``nesz`` has no HED-SCORE type and is written as ``nesz`` (an extension).
An event listing channels becomes one event per channel; ``n/a`` gives a recording-level event.
The recording start time is not read or written (``dateTime`` is written as ``n/a``).
A byte order mark and CRLF line endings are accepted when reading.
"""

from __future__ import annotations

import os
from pathlib import Path

from seizure.io.events import TERM, Annotation, AnnotationError, Event, validate_events
from seizure.io.text import atomic_write, read_text

__all__ = ["EVENTS_SUFFIX", "TUSZ_TO_BIDS", "BIDS_TO_TUSZ", "read_events_tsv", "write_events_tsv"]

#: File name ending of a BIDS events file.
EVENTS_SUFFIX = "_events.tsv"

#: TUSZ label -> SzCORE ``eventType``.
TUSZ_TO_BIDS = {
    "bckg": "bckg", "seiz": "sz", "fnsz": "sz_foc", "gnsz": "sz_gen", "spsz": "sz_foc_a",
    "cpsz": "sz_foc_ia", "absz": "sz_gen_nm", "tnsz": "sz_gen_m_tonic", "cnsz": "sz_gen_m_clonic",
    "tcsz": "sz_gen_m_tonicClonic", "atsz": "sz_gen_m_atonic", "mysz": "sz_gen_nm_myoclonic",
    "nesz": "nesz",
}  # fmt: skip
BIDS_TO_TUSZ = {v: k for k, v in TUSZ_TO_BIDS.items()}
COLUMNS = ("onset", "duration", "eventType", "confidence", "channels", "dateTime", "recordingDuration")


def _label(event_type: str, where: str) -> str:
    if event_type in BIDS_TO_TUSZ:
        return BIDS_TO_TUSZ[event_type]
    if event_type.startswith("sz"):
        return "seiz"
    raise AnnotationError(
        f"{where}: unknown eventType {event_type!r}; expected 'bckg' or a seizure type starting with 'sz'"
    )


def read_events_tsv(path: str | os.PathLike) -> Annotation:
    """Read a BIDS ``*_events.tsv`` file.

    Parameters
    ----------
    path : path-like
        The file (tab-separated, header line first).

    Returns
    -------
    Annotation
        ``bname`` is the file name without ``_events.tsv``; ``duration`` (s) is
        ``recordingDuration`` (else the last event end); times in seconds.

    Raises
    ------
    AnnotationError
        On missing columns, non-numeric times, unknown event types or the usual validation errors
        (:func:`seizure.io.events.validate_events`).
    """
    path = Path(path)
    text = read_text(path, AnnotationError, "annotation")
    rows = [(n, line) for n, line in enumerate(text.split("\n"), start=1) if line.strip()]
    if not rows:
        raise AnnotationError(f"{path}: empty events file (expected a header with {list(COLUMNS[:3])})")
    header = [c.strip() for c in rows[0][1].split("\t")]
    missing = [c for c in ("onset", "duration", "eventType") if c not in header]
    if missing:
        raise AnnotationError(
            f"{path}:{rows[0][0]}: missing column(s) {missing}; expected {list(COLUMNS)}, got {header}"
        )
    col = {c: i for i, c in enumerate(header)}
    events: list[Event] = []
    lines: list[int] = []
    durations: set[float] = set()
    for lineno, line in rows[1:]:
        cells = [c.strip() for c in line.split("\t")]
        if len(cells) != len(header):
            raise AnnotationError(f"{path}:{lineno}: expected {len(header)} tab-separated fields, got {len(cells)}")

        def get(name: str, default: str = "n/a", cells: list[str] = cells) -> str:
            return cells[col[name]] if name in col else default

        try:
            onset, dur = float(get("onset")), float(get("duration"))
            conf_s = get("confidence")
            conf = 1.0 if conf_s in ("n/a", "") else float(conf_s)
            rec_s = get("recordingDuration")
            if rec_s not in ("n/a", ""):
                durations.add(round(float(rec_s), 6))
        except ValueError:
            raise AnnotationError(
                f"{path}:{lineno}: onset, duration, confidence and recordingDuration must be numbers or 'n/a'"
            ) from None
        label = _label(get("eventType"), f"{path}:{lineno}")
        chans = get("channels")
        names = [TERM] if chans in ("n/a", "") else [c.strip() for c in chans.split(",") if c.strip()]
        for ch in names:
            events.append(Event(onset, onset + dur, label, ch, conf))
            lines.append(lineno)
    if len(durations) > 1:
        raise AnnotationError(f"{path}: rows disagree on recordingDuration: {sorted(durations)}")
    duration = durations.pop() if durations else max((e.stop for e in events), default=0.0)
    validate_events(events, duration, str(path), None, lines)
    bname = path.name[: -len(EVENTS_SUFFIX)] if path.name.endswith(EVENTS_SUFFIX) else path.stem
    return Annotation(bname, duration, events)


def write_events_tsv(path: str | os.PathLike, ann: Annotation) -> None:
    """Write ``ann`` as a BIDS events file (events sorted by onset; no background rows added).

    A recording without any event gets one ``bckg`` row over the whole recording, as SzCORE does.
    Per-channel events with identical bounds and label are written as one row listing the channels.

    Parameters
    ----------
    path : path-like
        Destination (written atomically).
    ann : Annotation
        The events; ``ann.duration`` (s) is written as ``recordingDuration``.
    """
    groups: dict[tuple[float, float, str, float], list[str]] = {}
    for ev in sorted(ann.events, key=lambda e: (e.start, e.stop)):
        groups.setdefault((ev.start, ev.stop, ev.label, ev.confidence), []).append(ev.channel)
    if not groups:
        groups[(0.0, ann.duration, "bckg", 1.0)] = [TERM]
    lines = ["\t".join(COLUMNS)]
    for (start, stop, label, conf), chans in groups.items():
        chan = "n/a" if chans == [TERM] else ",".join(c for c in chans if c != TERM)
        lines.append(
            f"{start:.4f}\t{stop - start:.4f}\t{TUSZ_TO_BIDS[label]}\t{conf:.4f}\t{chan}\tn/a\t{ann.duration:.4f}"
        )
    atomic_write(Path(path), "\n".join(lines) + "\n")
