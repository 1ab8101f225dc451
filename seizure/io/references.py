"""Reference annotations beside an EDF, and the one rule that names a recording's subject (patient).

Reference files
    An EDF ``<stem>.edf`` (BIDS: ``<stem>_eeg.edf``) may have annotation files of every format of
    :data:`seizure.io.annotations.FORMATS` beside it (:func:`annotation_files_beside`). The
    preferred one (recording-level formats first) gives the seizure intervals and the duration;
    the first file with seizure types (``_events.tsv``, ``.csv``, ``.tse``, ``.lbl``) gives each
    interval its type: the typed label that covers most channel-seconds inside it
    (:func:`find_reference`, :func:`typed_seizures`). TUSZ ships ``<bname>.csv_bi`` (intervals)
    and ``<bname>.csv`` (types).

Subjects
    :func:`subject_of` is used by corpus indexing (splits are patient-disjoint), SzCORE scoring
    (per-subject figures) and detection (the ``patient`` of a recording), so a file is grouped
    the same way everywhere. The rule, on the file name without annotation/EDF suffix:

    1. TUSZ ``<subject>_s<NNN>_t<NNN>`` (``aaaaaaac_s001_t000``, ``00000258_s002_t000``): the
       subject;
    2. a BIDS ``sub-<label>`` entity (``sub-01_ses-01_task-szMonitoring_run-00_eeg``): ``sub-<label>``;
    3. a ``sub-<label>`` folder among the parent folders: ``sub-<label>``;
    4. when a corpus ``root`` is given and the file lies in a sub-folder of it: that first
       sub-folder (one folder per patient);
    5. otherwise the part of the name before the first ``_`` (``chb01_03`` -> ``chb01``), or the
       whole name when it has no ``_`` (``holter night 3``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from seizure.io.annotations import FORMATS, Annotation, Event, is_seizure, read_annotations, recording_name
from seizure.io.events import TERM, merge_intervals

__all__ = [
    "Reference",
    "UNKNOWN_TYPE",
    "TUSZ_NAME",
    "parse_tusz_name",
    "subject_of",
    "annotation_files_beside",
    "find_reference",
    "typed_seizures",
]

#: Type given to a seizure when no file with seizure types says more.
UNKNOWN_TYPE = "seiz"
#: A TUSZ recording name: ``<subject>_s<session>_t<segment>``.
TUSZ_NAME = re.compile(r"^(?P<subject>[0-9A-Za-z]+)_(?P<session>s\d{3,})_(?P<segment>t\d{3,})$")
_BIDS_ENTITY = re.compile(r"(?:^|_)(?P<subject>sub-[A-Za-z0-9]+)(?=_|$)")
_BIDS_FOLDER = re.compile(r"^sub-[A-Za-z0-9]+$")


def parse_tusz_name(name: str | os.PathLike) -> dict[str, str] | None:
    """``{"subject", "session", "segment"}`` of a TUSZ recording or file name, or None.

    Parameters
    ----------
    name : str or path-like
        ``aaaaaaac_s001_t000``, ``.../aaaaaaac_s001_t000.csv_bi``, ``00000258_s002_t001.edf``.

    Returns
    -------
    dict of str to str or None
        ``{"subject": "aaaaaaac", "session": "s001", "segment": "t000"}``; None when the name
        (without folders and annotation/EDF suffix) is not a TUSZ recording name.
    """
    m = TUSZ_NAME.match(recording_name(name))
    return m.groupdict() if m else None


def subject_of(path_or_name: str | os.PathLike, root: str | os.PathLike | None = None) -> str:
    """The subject (patient) of a recording, by the rule of this module's documentation.

    Parameters
    ----------
    path_or_name : str or path-like
        A recording name (``aaaaaaac_s001_t000``), an annotation or EDF file name, or a path.
    root : path-like, optional
        Corpus folder holding the file; enables the one-folder-per-patient step (4).

    Returns
    -------
    str
        ``aaaaaaac`` for TUSZ names, ``sub-<label>`` for BIDS names or folders, else the first
        sub-folder under ``root`` or the name's part before the first ``_``.

    Examples
    --------
    >>> subject_of("aaaaaaac_s001_t000.csv_bi"), subject_of("sub-07_ses-01_task-szMonitoring_run-00_events.tsv")
    ('aaaaaaac', 'sub-07')
    >>> subject_of("/data/chb01_03.edf"), subject_of("holter night 3")
    ('chb01', 'holter night 3')
    """
    path = PurePath(os.fspath(path_or_name))
    name = recording_name(path)
    m = TUSZ_NAME.match(name)
    if m:
        return m["subject"]
    m = _BIDS_ENTITY.search(name)
    if m:
        return m["subject"]
    inside: tuple[str, ...] | None = None
    if root is not None:
        try:
            inside = path.parent.relative_to(PurePath(os.fspath(root))).parts
        except ValueError:
            inside = None
    for part in reversed(inside if inside is not None else path.parent.parts):
        if _BIDS_FOLDER.match(part):
            return part
    if inside:
        return inside[0]
    head = name.split("_", 1)[0]
    return head or name


@dataclass
class Reference:
    """The reference of one recording.

    Parameters
    ----------
    duration : float
        Seconds, as stated (or covered) by the annotation file.
    seizures : list of Event
        Recording-level seizures, sorted, ``label`` = seizure type (``seiz`` if unknown).
    source : str
        The file the seizure intervals came from.
    """

    duration: float
    seizures: list[Event] = field(default_factory=list)
    source: str = ""


def annotation_files_beside(edf: str | os.PathLike) -> dict[str, str | None]:
    """Annotation file of each format beside an EDF (None where absent).

    Parameters
    ----------
    edf : path-like
        ``<stem>.edf``; a BIDS ``<stem>_eeg.edf`` is paired with ``<stem>_events.tsv``.

    Returns
    -------
    dict
        Suffix -> existing file path or None, in the order of
        :data:`seizure.io.annotations.FORMATS` (preferred first).
    """
    edf = Path(edf)
    stem = recording_name(edf)
    out: dict[str, str | None] = {}
    for fmt in FORMATS:
        p = edf.with_name(stem + fmt.suffix) if fmt.suffix.startswith("_") else edf.with_suffix(fmt.suffix)
        out[fmt.suffix] = str(p) if p.is_file() else None
    return out


def typed_seizures(bi: Annotation | None, per_channel: Annotation | None) -> list[Event]:
    """Recording-level seizures labelled with their type.

    Parameters
    ----------
    bi : Annotation or None
        The annotation giving the intervals (``.csv_bi``). When None, the intervals are the union
        of the seizure events of ``per_channel``.
    per_channel : Annotation or None
        The annotation giving the types (``.csv``). When None every seizure is ``seiz``.

    Returns
    -------
    list of Event
        Sorted by start; ``channel`` is ``TERM``.
    """
    typed = [e for e in (per_channel.events if per_channel else []) if is_seizure(e.label)]
    if bi is not None:
        intervals = [(e.start, e.stop) for e in bi.seizures()]
    else:
        intervals = [(e.start, e.stop) for e in merge_intervals(typed)]
    out = []
    for a, b in intervals:
        weight: dict[str, float] = {}
        for e in typed:
            ov = min(b, e.stop) - max(a, e.start)
            if ov > 0 and e.label != "seiz":
                weight[e.label] = weight.get(e.label, 0.0) + ov
        label = max(sorted(weight), key=lambda k: weight[k]) if weight else UNKNOWN_TYPE
        out.append(Event(a, b, label, TERM, 1.0))
    return out


def find_reference(edf: str | os.PathLike) -> Reference | None:
    """The reference beside ``edf``, or None when no annotation file is there.

    Parameters
    ----------
    edf : path-like
        The recording.

    Returns
    -------
    Reference or None
        Intervals and duration from the preferred annotation file
        (:func:`annotation_files_beside`), types from the first file with seizure types.

    Raises
    ------
    seizure.io.events.AnnotationError
        If an annotation file that is read cannot be parsed (the message names it).
    """
    files = {s: p for s, p in annotation_files_beside(edf).items() if p}
    if not files:
        return None
    suffix, source = next(iter(files.items()))
    primary = read_annotations(source)
    typed_suffix = next((f.suffix for f in FORMATS if f.typed and f.suffix in files), None)
    if typed_suffix is None:
        typed = None
    else:
        typed = primary if typed_suffix == suffix else read_annotations(files[typed_suffix])
    intervals = Annotation(primary.bname, primary.duration, primary.recording_seizures())
    return Reference(primary.duration, typed_seizures(intervals, typed), source)
