"""Corpus index from paths alone (plus EDF headers): TUSZ v2.0.x, TUSZ v1.x, BIDS, plain folders.

Layouts (:func:`index_corpus` detects them):

``tusz_v2``::

    edf/{train,dev,eval}/<subject>/s<NNN>_<YYYY>_<MM>_<DD>/<montage dir>/<subject>_s<NNN>_t<NNN>.edf

``tusz_v1`` (split ``dev_test`` is read as ``dev``)::

    edf/{train,dev_test}/<montage dir>/<NNN group>/<subject>/s<NNN>_<YYYY>_<MM>_<DD>/<subject>_s<NNN>_t<NNN>.edf

``bids`` (SzCORE / epilepsy2bids)::

    sub-<label>/[ses-<label>/]eeg/sub-<label>[_ses-<label>]_task-<task>[_run-<index>]_eeg.edf  (+ _events.tsv)

``plain``: any ``*.edf`` under the folder with an annotation file of the same stem beside it.
Every layout names the subject with :func:`seizure.io.references.subject_of` (the rule scoring
and detection use too): TUH-style names (``<subject>_s<NNN>_t<NNN>``), BIDS ``sub-<label>``,
else the first sub-folder under the root, else the part of the stem before the first ``_``.

BIDS and plain folders carry no split: subjects are assigned to train/dev/eval by a stable
hash of the subject name (:func:`assign_splits`), so no patient is in two splits. Their montage
is ``1020`` or ``1020_a`` (without A1/A2), read from the EDF header.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from seizure._validation import SeizureError
from seizure.io.annotations import ANNOTATION_SUFFIXES, FORMATS, Annotation, AnnotationError, read_annotations
from seizure.io.edf import EdfError, read_header
from seizure.io.events import EDF_DURATION_TOLERANCE_S
from seizure.io.references import annotation_files_beside, parse_tusz_name, subject_of
from seizure.montage import montage_for_channels

__all__ = ["Recording", "CorpusError", "index_tusz", "index_corpus", "scan_corpus", "detect_layout",
           "assign_splits", "recording_annotations", "SPLITS", "LAYOUTS"]  # fmt: skip

logger = logging.getLogger("seizure")

SPLITS = ("train", "dev", "eval")
LAYOUTS = ("tusz_v2", "tusz_v1", "bids", "plain")
_V2 = re.compile(
    r"(?:^|/)edf/(?P<split>[^/]+)/(?P<subject>[a-z]{8})/(?P<session>s\d{3})_(?P<date>\d{4}_\d{2}_\d{2})/"
    r"(?P<montage>\d{2}_tcp_[a-z_]+)/(?P=subject)_(?P=session)_(?P<segment>t\d{3})\.edf$"
)
_V1 = re.compile(
    r"(?:^|/)edf/(?P<split>[^/]+)/(?P<montage>\d{2}_tcp_[a-z_]+)/\d{3}/(?P<subject>[0-9a-z]{8})/"
    r"(?P<session>s\d{3})_(?P<date>\d{4}_\d{2}_\d{2})/(?P=subject)_(?P=session)_(?P<segment>t\d{3})\.edf$"
)
_BIDS = re.compile(
    r"(?:^|/)(?P<subject>sub-[A-Za-z0-9]+)/(?:(?P<session>ses-[A-Za-z0-9]+)/)?eeg/"
    r"(?P=subject)_(?:(?P=session)_)?(?P<rest>[^/]*)_eeg\.edf$"
)
_SPLIT_ALIASES = {"dev_test": "dev"}


class CorpusError(SeizureError):
    """The corpus directory does not have the expected layout."""


@dataclass(frozen=True)
class Recording:
    """One EDF recording, its annotation files and (optionally) its header summary.

    Parameters
    ----------
    split, subject, session, date, segment, montage : str
        From the path (``date`` as ``YYYY-MM-DD``, empty when the layout has none).
    edf : str
        EDF path.
    csv, csv_bi, tse, tse_bi, lbl, lbl_bi, events : str or None
        Annotation files beside the EDF (``events``: a BIDS ``*_events.tsv``).
    layout : str
        One of :data:`LAYOUTS`.
    sfreq, duration : float or None
        From the EDF header: rate (Hz) and length (s); ``None`` when not read or unreadable.
    ch_names : tuple of str or None
        EDF channel labels from the header.
    header_error : str or None
        Why the header could not be read (the recording is then excluded when prepared).
    """

    split: str
    subject: str
    session: str
    date: str
    segment: str
    montage: str
    edf: str
    csv: str | None
    csv_bi: str | None
    tse: str | None = None
    tse_bi: str | None = None
    lbl: str | None = None
    lbl_bi: str | None = None
    events: str | None = None
    layout: str = "tusz_v2"
    sfreq: float | None = None
    duration: float | None = None
    ch_names: tuple[str, ...] | None = None
    header_error: str | None = None

    @property
    def key(self) -> str:
        """Unique name: ``<montage>/<subject>_<session>_<segment>``."""
        return f"{self.montage}/{self.subject}_{self.session}_{self.segment}"

    @property
    def bname(self) -> str:
        """EDF file stem."""
        return Path(self.edf).stem

    def annotation_files(self) -> list[str]:
        """Existing annotation files, recording-level formats first (see ``ANNOTATION_SUFFIXES``)."""
        return [path for path in (getattr(self, fmt.field) for fmt in FORMATS) if path]

    def to_dict(self) -> dict:
        """Every field as a plain dict (JSON serializable; ``ch_names`` stays a tuple).

        Returns
        -------
        dict
            Field name -> value, in field order.
        """
        return asdict(self)


def _annotations_beside(edf: Path) -> dict[str, str | None]:
    """Recording field (``csv_bi``, ``events``, ...) -> annotation file beside ``edf`` or None."""
    files = annotation_files_beside(edf)
    return {fmt.field: files[fmt.suffix] for fmt in FORMATS}


def _split_bucket(subject: str, fractions: tuple[float, float, float]) -> str:
    u = int(hashlib.sha1(subject.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    if u < fractions[0]:
        return "train"
    return "dev" if u < fractions[0] + fractions[1] else "eval"


def assign_splits(subjects: list[str], fractions: tuple[float, float, float] = (0.6, 0.2, 0.2)) -> dict[str, str]:
    """Subject -> split, stable under adding subjects (hash of the name), patient-disjoint.

    With at least three subjects every split gets one: the subjects are ranked by their hash and
    the ranks are cut by ``fractions`` (train, dev, eval).

    Parameters
    ----------
    subjects : list of str
        Subject names; duplicates are counted once.
    fractions : tuple of 3 float
        Shares of subjects for train, dev and eval. With three subjects or more, dev and eval get
        ``round(share * n)`` subjects but at least one each, and train the rest (at least one); with
        fewer, a subject's hash, read as a number in [0, 1], is cut by the shares.

    Returns
    -------
    dict of str to str
        Subject -> ``"train"``, ``"dev"`` or ``"eval"``.
    """
    subjects = sorted(set(subjects))
    if len(subjects) < 3:
        return {s: _split_bucket(s, fractions) for s in subjects}
    ranked = sorted(subjects, key=lambda s: hashlib.sha1(s.encode()).hexdigest())
    n = len(ranked)
    n_dev = max(1, round(fractions[1] * n))
    n_eval = max(1, round(fractions[2] * n))
    n_train = max(1, n - n_dev - n_eval)
    out = {s: "train" for s in ranked[:n_train]}
    out.update({s: "dev" for s in ranked[n_train : n_train + n_dev]})
    out.update({s: "eval" for s in ranked[n_train + n_dev :]})
    return out


def detect_layout(root: str | os.PathLike) -> str:
    """``tusz_v2``, ``tusz_v1``, ``bids`` or ``plain`` from the folder structure (no file read).

    Parameters
    ----------
    root : path-like
        Corpus folder.

    Returns
    -------
    str
        ``tusz_v2`` or ``tusz_v1`` for the first EDF under ``root/edf`` matching that layout's path
        pattern, else ``bids`` when ``root`` has a ``sub-*`` folder, else ``plain``.
    """
    root = Path(root)
    if (root / "edf").is_dir():
        for path in (root / "edf").rglob("*.edf"):
            rel = path.relative_to(root).as_posix()
            if _V2.search(rel):
                return "tusz_v2"
            if _V1.search(rel):
                return "tusz_v1"
    if any(p.is_dir() for p in root.glob("sub-*")):
        return "bids"
    return "plain"


def _from_path(root: Path, path: Path, layout: str) -> tuple[dict | None, str | None]:
    """Fields parsed from the path, or ``(None, reason)``."""
    rel = path.relative_to(root).as_posix()
    if layout in ("tusz_v2", "tusz_v1"):
        m = (_V2 if layout == "tusz_v2" else _V1).search(rel)
        if m is None:
            return None, f"path does not follow the TUSZ {layout[-2:]} layout"
        split = _SPLIT_ALIASES.get(m["split"], m["split"])
        if split not in SPLITS:
            return None, f"unknown split folder {m['split']!r}; expected one of {list(SPLITS) + ['dev_test']}"
        return {"split": split, "subject": subject_of(path, root), "session": m["session"],
                "date": m["date"].replace("_", "-"),
                "segment": m["segment"], "montage": m["montage"]}, None  # fmt: skip
    if layout == "bids":
        m = _BIDS.search(rel)
        if m is None:
            return None, "path does not follow the BIDS layout sub-*/[ses-*/]eeg/*_eeg.edf"
        run = re.search(r"run-([A-Za-z0-9]+)", m["rest"])
        task = re.search(r"task-([A-Za-z0-9]+)", m["rest"])
        segment = f"run-{run[1]}" if run else (f"task-{task[1]}" if task else m["rest"])
        return {"subject": subject_of(path, root), "session": m["session"] or "ses-none", "date": "",
                "segment": segment}, None  # fmt: skip
    tusz = parse_tusz_name(path.name)
    if tusz:
        return {"subject": subject_of(path, root), "session": tusz["session"], "date": "",
                "segment": tusz["segment"]}, None  # fmt: skip
    return {"subject": subject_of(path, root), "session": "s000", "date": "", "segment": path.stem}, None


def scan_corpus(
    root: str | os.PathLike, layout: str = "auto", headers: bool = True,
    split_fractions: tuple[float, float, float] = (0.6, 0.2, 0.2),
) -> tuple[list[Recording], list[dict]]:  # fmt: skip
    """Index a corpus and report the EDF files it could not index.

    Parameters
    ----------
    root : path-like
        Corpus folder (the one holding ``edf/`` for TUSZ).
    layout : {"auto", "tusz_v2", "tusz_v1", "bids", "plain"}
        Corpus layout; ``auto`` detects it (:func:`detect_layout`).
    headers : bool
        Read each EDF header (only the header) for rate, duration and channel names.
    split_fractions : tuple of 3 float
        Train/dev/eval shares of subjects for layouts without splits.

    Returns
    -------
    recordings : list of Recording
        Sorted by EDF path.
    skipped : list of dict
        ``{"recording", "split", "reason"}`` for every EDF file that is not a recording of the
        layout (nothing is dropped silently).

    Raises
    ------
    CorpusError
        If the folder is missing, holds no recording, a subject appears in two splits, or two
        recordings share one key.
    """
    root = Path(root)
    if not root.is_dir():
        raise CorpusError(f"{root}: corpus folder not found")
    if layout == "auto":
        layout = detect_layout(root)
    if layout not in LAYOUTS:
        raise CorpusError(f"layout must be one of {['auto', *LAYOUTS]}, got {layout!r}")
    base = root / "edf" if layout.startswith("tusz") else root
    if layout.startswith("tusz") and not base.is_dir():
        raise CorpusError(f"{root}: expected a TUSZ corpus folder containing 'edf/{{train,dev,eval}}/'")
    out: list[Recording] = []
    skipped: list[dict] = []
    for path in sorted(p for p in base.rglob("*") if p.suffix.lower() == ".edf" and p.is_file()):
        fields, reason = _from_path(root, path, layout)
        ann = _annotations_beside(path)
        if fields is not None and layout == "plain" and not any(ann.values()):
            fields, reason = None, f"no annotation file ({', '.join(ANNOTATION_SUFFIXES)}) beside the EDF"
        if fields is None:
            skipped.append({"recording": str(path), "split": "", "reason": reason})
            continue
        out.append(Recording(split=fields.pop("split", ""), montage=fields.pop("montage", ""), edf=str(path),
                             layout=layout, **fields, **ann))  # fmt: skip
    if not out:
        raise CorpusError(f"{root}: no EDF file matches the {layout} layout")
    for s in skipped:
        logger.info("not indexed: %s: %s", s["recording"], s["reason"])
    if layout in ("bids", "plain"):
        splits = assign_splits([r.subject for r in out], split_fractions)
        out = [replace(r, split=splits[r.subject]) for r in out]
    if headers:
        out = [_with_header(r) for r in out]
    _check(root, out)
    return out, skipped


def _with_header(rec: Recording) -> Recording:
    try:
        h = read_header(rec.edf)
    except EdfError as exc:
        return replace(rec, header_error=str(exc), montage=rec.montage or "1020")
    montage = rec.montage or montage_for_channels(list(h.ch_names))
    return replace(rec, sfreq=h.sfreq, duration=h.duration, ch_names=h.ch_names, montage=montage)


def _check(root: Path, recs: list[Recording]) -> None:
    subjects: dict[str, str] = {}
    keys: dict[str, str] = {}
    for rec in recs:
        prev = subjects.setdefault(rec.subject, rec.split)
        if prev != rec.split:
            raise CorpusError(f"{root}: subject {rec.subject} appears in both '{prev}' and '{rec.split}' splits")
        other = keys.setdefault(rec.key, rec.edf)
        if other != rec.edf:
            raise CorpusError(f"{root}: recordings {other} and {rec.edf} have the same key {rec.key!r}")


def index_corpus(root: str | os.PathLike, layout: str = "auto", headers: bool = True) -> list[Recording]:
    """All recordings of a corpus in any supported layout (see :func:`scan_corpus`).

    Parameters
    ----------
    root : path-like
        Corpus folder (the one holding ``edf/`` for TUSZ).
    layout : {"auto", "tusz_v2", "tusz_v1", "bids", "plain"}
        Corpus layout; ``auto`` detects it (:func:`detect_layout`).
    headers : bool
        Read each EDF header for rate, duration and channel names.

    Returns
    -------
    list of Recording
        Sorted by EDF path; the EDF files that are not recordings of the layout are logged and
        left out.

    Raises
    ------
    CorpusError
        As :func:`scan_corpus`.
    """
    return scan_corpus(root, layout, headers)[0]


def index_tusz(root: str | os.PathLike, headers: bool = False) -> list[Recording]:
    """All recordings under ``root/edf`` in the TUSZ v2.0 layout, sorted by path.

    Parameters
    ----------
    root : path-like
        Corpus folder holding ``edf/{train,dev,eval}/``.
    headers : bool
        Read each EDF header for rate, duration and channel names.

    Returns
    -------
    list of Recording
        The recordings of the ``tusz_v2`` layout.

    Raises
    ------
    CorpusError
        If ``root/edf`` does not exist or holds no recording in the expected layout.
    """
    return scan_corpus(root, "tusz_v2", headers)[0]


def recording_annotations(rec: Recording, edf_duration: float) -> Annotation:
    """Read the recording's preferred annotation file and check that it matches the EDF.

    The first existing file in the order of ``ANNOTATION_SUFFIXES`` is used (recording-level
    formats first).

    Parameters
    ----------
    rec : Recording
        The recording; its annotation files are tried in the order of ``ANNOTATION_SUFFIXES``.
    edf_duration : float
        Length of the EDF signal in seconds, from the EDF header.

    Returns
    -------
    Annotation
        The events of the first annotation file.

    Raises
    ------
    AnnotationError
        If no annotation file exists, the file is invalid, or it does not match the EDF: its
        duration differs by more than
        :data:`seizure.io.events.EDF_DURATION_TOLERANCE_S` or it names another recording.
    """
    files = rec.annotation_files()
    if not files:
        raise AnnotationError(
            f"{rec.edf}: no annotation file beside the EDF (looked for {', '.join(ANNOTATION_SUFFIXES)})"
        )
    ann = read_annotations(files[0])
    if abs(ann.duration - edf_duration) > EDF_DURATION_TOLERANCE_S:
        raise AnnotationError(
            f"{files[0]}: annotation does not match its EDF: it covers {ann.duration:.2f} s but "
            f"{Path(rec.edf).name} lasts {edf_duration:.2f} s"
        )
    if ann.bname != rec.bname and not rec.bname.startswith(ann.bname):
        raise AnnotationError(
            f"{files[0]}: annotation does not match its EDF: header bname {ann.bname!r}, EDF {rec.bname!r}"
        )
    return ann
