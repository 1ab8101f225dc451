"""Seizure annotations of any format: the format registry and the readers/writers chosen by file name.

The events type, labels and validation are in :mod:`seizure.io.events`; each format family has its
module in :mod:`seizure.io.formats`. This module ties them together and re-exports the public
names, so ``from seizure.io.annotations import Event, Annotation, read_csv_bi, AnnotationError``
works for every caller.

Formats (:data:`FORMATS`, in the order recording-level labels are preferred):

======================  ==============================  ===============================
suffix                  content                         module
======================  ==============================  ===============================
``.csv_bi``             recording level, ``seiz/bckg``  :mod:`seizure.io.formats.csv`
``_events.tsv``         BIDS (SzCORE) events            :mod:`seizure.io.formats.bids`
``.tse_bi``             recording level, ``seiz/bckg``  :mod:`seizure.io.formats.tuh_v1`
``.csv``                per channel, seizure types      :mod:`seizure.io.formats.csv`
``.tse``                recording level, seizure types  :mod:`seizure.io.formats.tuh_v1`
``.lbl_bi``             per channel, ``seiz/bckg``      :mod:`seizure.io.formats.tuh_v1`
``.lbl``                per channel, seizure types      :mod:`seizure.io.formats.tuh_v1`
======================  ==============================  ===============================

Every reader accepts a UTF-8 byte order mark and CRLF line endings.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePath

from seizure.io.events import (
    BI_LABELS,
    BOUND_TOLERANCE_S,
    EDF_DURATION_TOLERANCE_S,
    KNOWN_LABELS,
    SEIZURE_LABELS,
    TERM,
    Annotation,
    AnnotationError,
    Event,
    is_seizure,
    merge_intervals,
    normalize_label,
    validate_events,
    with_background,
)
from seizure.io.formats.bids import EVENTS_SUFFIX, read_events_tsv, write_events_tsv
from seizure.io.formats.csv import CSV_HEADER, MONTAGE_FILE, read_csv, read_csv_bi, write_csv, write_csv_bi
from seizure.io.formats.tuh_v1 import read_lbl, read_lbl_bi, read_tse, read_tse_bi, write_lbl, write_tse

__all__ = [
    "Event",
    "Annotation",
    "AnnotationError",
    "AnnotationFormat",
    "TERM",
    "SEIZURE_LABELS",
    "KNOWN_LABELS",
    "BI_LABELS",
    "BOUND_TOLERANCE_S",
    "EDF_DURATION_TOLERANCE_S",
    "CSV_HEADER",
    "MONTAGE_FILE",
    "EVENTS_SUFFIX",
    "FORMATS",
    "ANNOTATION_SUFFIXES",
    "EDF_SUFFIXES",
    "normalize_label",
    "is_seizure",
    "validate_events",
    "merge_intervals",
    "with_background",
    "read_csv",
    "write_csv",
    "read_csv_bi",
    "write_csv_bi",
    "read_tse",
    "read_tse_bi",
    "write_tse",
    "read_lbl",
    "read_lbl_bi",
    "write_lbl",
    "read_events_tsv",
    "write_events_tsv",
    "annotation_suffix",
    "recording_name",
    "read_annotations",
    "write_annotations",
]


@dataclass(frozen=True)
class AnnotationFormat:
    """One annotation format of the registry.

    Parameters
    ----------
    suffix : str
        File name ending (``.csv_bi``, ``_events.tsv``).
    field : str
        Name of the :class:`seizure.io.corpus.Recording` attribute holding such a file.
    read : callable
        ``read(path) -> Annotation``.
    write : callable
        ``write(path, annotation)``.
    recording_level : bool
        The format stores recording-level events only (per-channel events are merged).
    typed : bool
        Labels carry seizure types (``fnsz``, ...); ``_bi`` formats store ``seiz``/``bckg`` only.
    """

    suffix: str
    field: str
    read: Callable[[str | os.PathLike], Annotation]
    write: Callable[[str | os.PathLike, Annotation], None]
    recording_level: bool
    typed: bool


def _by_channel(ann: Annotation) -> dict[str, list[Event]]:
    out: dict[str, list[Event]] = {}
    for ev in ann.events:
        out.setdefault(ev.channel, []).append(ev)
    return out or {TERM: []}


#: Every supported format, in the order recording-level labels are preferred.
FORMATS: tuple[AnnotationFormat, ...] = (
    AnnotationFormat(".csv_bi", "csv_bi", read_csv_bi,
                     lambda p, a: write_csv_bi(p, a.recording_seizures(), a.duration, a.bname), True, False),
    AnnotationFormat(EVENTS_SUFFIX, "events", read_events_tsv, write_events_tsv, False, True),
    AnnotationFormat(".tse_bi", "tse_bi", read_tse_bi, lambda p, a: write_tse(p, a, binary=True), True, False),
    AnnotationFormat(".csv", "csv", read_csv, lambda p, a: write_csv(p, _by_channel(a), a.duration, a.bname),
                     False, True),
    AnnotationFormat(".tse", "tse", read_tse, write_tse, True, True),
    AnnotationFormat(".lbl_bi", "lbl_bi", read_lbl_bi, lambda p, a: write_lbl(p, a, binary=True), False, False),
    AnnotationFormat(".lbl", "lbl", read_lbl, write_lbl, False, True),
)  # fmt: skip
#: Suffixes with a reader, in the order recording-level labels are preferred.
ANNOTATION_SUFFIXES = tuple(f.suffix for f in FORMATS)
#: EDF file name endings stripped by :func:`recording_name` (BIDS names end in ``_eeg.edf``).
EDF_SUFFIXES = ("_eeg.edf", ".edf")
_BY_SUFFIX = {f.suffix: f for f in FORMATS}


def annotation_suffix(path: str | os.PathLike) -> str | None:
    """The registered suffix ``path`` ends with (case-insensitive), or None.

    ``x.csv_bi`` gives ``.csv_bi`` (not ``.csv``); ``sub-01_run-01_events.tsv`` gives ``_events.tsv``.

    Parameters
    ----------
    path : path-like
        A file name or path; only its last component is looked at.

    Returns
    -------
    str or None
        The longest suffix of :data:`ANNOTATION_SUFFIXES` the name ends with, in lower case; None
        when the file is not an annotation file.
    """
    name = PurePath(path).name.lower()
    matches = [s for s in ANNOTATION_SUFFIXES if name.endswith(s)]
    return max(matches, key=len) if matches else None


def recording_name(path: str | os.PathLike) -> str:
    """The recording a file belongs to: its name without annotation or EDF suffix.

    Parameters
    ----------
    path : path-like
        ``aaaaaaac_s001_t000.csv_bi``, ``sub-01_ses-01_task-x_run-01_events.tsv``,
        ``sub-01_ses-01_task-x_run-01_eeg.edf``, a bare recording name, ...

    Returns
    -------
    str
        ``aaaaaaac_s001_t000``, ``sub-01_ses-01_task-x_run-01``; a name with no known suffix is
        returned unchanged (folders removed).
    """
    name = PurePath(path).name
    lower = name.lower()
    for suffix in sorted((*ANNOTATION_SUFFIXES, *EDF_SUFFIXES), key=len, reverse=True):
        if lower.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _format(path: Path) -> AnnotationFormat:
    suffix = annotation_suffix(path)
    if suffix is None:
        raise AnnotationError(
            f"{path}: unsupported annotation format; expected a file name ending in one of {list(ANNOTATION_SUFFIXES)}"
        )
    return _BY_SUFFIX[suffix]


def read_annotations(path: str | os.PathLike) -> Annotation:
    """Read any supported annotation file, chosen by its suffix (see :data:`FORMATS`).

    Parameters
    ----------
    path : path-like
        ``.csv``, ``.csv_bi``, ``.tse``, ``.tse_bi``, ``.lbl``, ``.lbl_bi`` or ``*_events.tsv``.

    Returns
    -------
    Annotation
        The events; ``duration`` in seconds.

    Raises
    ------
    AnnotationError
        For an unsupported suffix or any format/validation error (naming the file and line).
    """
    path = Path(path)
    return _format(path).read(path)


def write_annotations(path: str | os.PathLike, ann: Annotation) -> None:
    """Write ``ann`` in the format of the suffix of ``path`` (see :func:`read_annotations`).

    ``_bi`` formats receive the recording-level seizures (typed labels become ``seiz``);
    per-channel formats receive each channel's events (a recording-level annotation is written
    on the single channel ``TERM``).

    Parameters
    ----------
    path : path-like
        Destination; its suffix chooses the format.
    ann : Annotation
        The events to write.

    Raises
    ------
    AnnotationError
        For an unsupported suffix.
    """
    path = Path(path)
    _format(path).write(path, ann)
