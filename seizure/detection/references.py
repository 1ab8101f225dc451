"""Reference annotations found beside an EDF, with seizure types, and patient identifiers.

TUSZ ships two files per recording: ``<bname>.csv_bi`` (recording-level ``seiz``/``bckg``, what the
scorers read) and ``<bname>.csv`` (per montage channel, typed labels such as ``fnsz``). The type
of a recording-level seizure is the typed label that covers most channel-seconds inside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from seizure.io.annotations import Annotation, Event, is_seizure, read_csv, read_csv_bi

__all__ = ["Reference", "find_reference", "typed_seizures", "patient_of", "UNKNOWN_TYPE"]

#: Type given to a seizure when no per-channel ``.csv`` says more.
UNKNOWN_TYPE = "seiz"
_TUSZ_BNAME = re.compile(r"^(?P<subject>[A-Za-z0-9]+)_s\d{3}_t\d{3}$")
_BIDS_SUB = re.compile(r"(?:^|_)(?P<sub>sub-[A-Za-z0-9]+)")


@dataclass
class Reference:
    """The reference of one recording.

    Attributes
    ----------
    duration : float
        Seconds, as stated by the annotation file.
    seizures : list of Event
        Recording-level seizures, sorted, ``label`` = seizure type (``seiz`` if unknown).
    source : str
        The file the seizure intervals came from.
    """

    duration: float
    seizures: list[Event] = field(default_factory=list)
    source: str = ""


def _merge(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[list[float]] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def typed_seizures(bi: Annotation | None, per_channel: Annotation | None) -> list[Event]:
    """Recording-level seizures labelled with their type.

    Parameters
    ----------
    bi : Annotation or None
        The ``.csv_bi`` annotation (intervals). When None, the intervals are the union of the
        per-channel seizure events.
    per_channel : Annotation or None
        The ``.csv`` annotation (types). When None every seizure is ``seiz``.

    Returns
    -------
    list of Event
        Sorted by start; ``channel`` is ``TERM``.
    """
    typed = [e for e in (per_channel.events if per_channel else []) if is_seizure(e.label)]
    if bi is not None:
        intervals = [(e.start, e.stop) for e in bi.seizures()]
    else:
        intervals = _merge([(e.start, e.stop) for e in typed])
    out = []
    for a, b in intervals:
        weight: dict[str, float] = {}
        for e in typed:
            ov = min(b, e.stop) - max(a, e.start)
            if ov > 0 and e.label != "seiz":
                weight[e.label] = weight.get(e.label, 0.0) + ov
        label = max(sorted(weight), key=lambda k: weight[k]) if weight else UNKNOWN_TYPE
        out.append(Event(a, b, label, "TERM", 1.0))
    return out


def find_reference(edf: str | Path) -> Reference | None:
    """The reference beside ``edf`` (``<stem>.csv_bi`` and/or ``<stem>.csv``), or None.

    Raises
    ------
    seizure.io.annotations.AnnotationError
        If an annotation file exists but cannot be parsed (the message names it).
    """
    edf = Path(edf)
    bi_path, csv_path = edf.with_suffix(".csv_bi"), edf.with_suffix(".csv")
    bi = read_csv_bi(bi_path) if bi_path.is_file() else None
    per_channel = read_csv(csv_path) if csv_path.is_file() else None
    if bi is None and per_channel is None:
        return None
    duration = bi.duration if bi is not None else per_channel.duration
    source = str(bi_path if bi is not None else csv_path)
    return Reference(duration, typed_seizures(bi, per_channel), source)


def patient_of(bname: str) -> str:
    """Patient identifier from a recording name.

    TUSZ names ``<subject>_s<NNN>_t<NNN>`` give the subject; BIDS names give ``sub-<label>``;
    any other recording counts as its own patient (its name).
    """
    m = _TUSZ_BNAME.match(bname)
    if m:
        return m["subject"]
    m = _BIDS_SUB.search(bname)
    if m:
        return m["sub"]
    return bname
