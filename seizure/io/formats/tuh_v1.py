"""TUSZ v1.x annotation formats: ``.tse`` / ``.tse_bi`` and ``.lbl`` / ``.lbl_bi``.

``.tse`` (recording level; ``_bi``: only ``seiz``/``bckg``)::

    version = tse_v1.0.0

    0.0000 36.8868 bckg 1.0000
    36.8868 183.3055 cpsz 1.0000

``.lbl`` (per channel)::

    version = lbl_v1.0.0

    montage = 0, FP1-F7: EEG FP1-REF -- EEG F7-REF

    number_of_levels = 1
    level[0] = 1

    symbols[0] = {0: '(null)', 1: 'bckg', 2: 'seiz', 3: 'fnsz'}

    label = {0, 0, 0.0000, 36.8868, 0, [0.0, 1.0, 0.0, 0.0]}

A ``label`` row is ``{level, sublevel, start, stop, channel index, [probability per symbol]}``; its
label is the symbol of highest probability and its confidence that probability. Neither format
stores the recording duration: the annotation's ``duration`` is the last stop time (the rows
cover the file), and :func:`seizure.io.corpus.recording_annotations` compares it with the EDF.

A byte order mark and CRLF line endings are accepted when reading.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from seizure.io.events import (
    BI_LABELS,
    KNOWN_LABELS,
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

__all__ = ["read_tse", "read_tse_bi", "write_tse", "read_lbl", "read_lbl_bi", "write_lbl"]

_LBL_SYMBOLS = ("(null)", "bckg", "seiz", "fnsz", "gnsz", "spsz", "cpsz", "absz", "tnsz", "cnsz",
                "tcsz", "atsz", "mysz", "nesz")  # fmt: skip
_LBL_BI_SYMBOLS = ("(null)", "seiz", "bckg")
_MONTAGE = re.compile(r"^montage\s*=\s*(\d+)\s*,\s*([^:]+?)\s*:(.*)$")
_SYMBOLS = re.compile(r"^symbols\[(\d+)\]\s*=\s*\{(.*)\}\s*$")
_SYMBOL = re.compile(r"(\d+)\s*:\s*'([^']*)'")
_LABEL = re.compile(r"^label\s*=\s*\{(.*)\}\s*$")


def _version(path: Path, lines: list[tuple[int, str]], expected: str) -> None:
    if not lines:
        raise AnnotationError(f"{path}: empty annotation file (expected a '{expected}' version line)")
    lineno, first = lines[0]
    key, _, value = first.partition("=")
    if key.strip() != "version" or not value.strip().startswith(expected):
        raise AnnotationError(f"{path}:{lineno}: expected 'version = {expected}...', got {first!r}")


def _annotation(path: Path, events: list[Event], lines: list[int], allowed: frozenset[str] | None) -> Annotation:
    """The checked annotation of a v1 file: its duration is the last stop time (the format has no header)."""
    duration = max((e.stop for e in events), default=0.0)
    validate_events(events, duration, str(path), allowed, lines)
    return Annotation(path.stem, duration, events)


def _read_tse(path: str | os.PathLike, allowed: frozenset[str] | None) -> Annotation:
    path = Path(path)
    rows = numbered_lines(read_text(path, AnnotationError, "annotation"))
    _version(path, rows, "tse_v")
    events: list[Event] = []
    lines: list[int] = []
    for lineno, line in rows[1:]:
        parts = line.split()
        if len(parts) != 4:
            raise AnnotationError(f"{path}:{lineno}: expected 'start stop label probability', got {line!r}")
        try:
            start, stop, conf = float(parts[0]), float(parts[1]), float(parts[3])
        except ValueError:
            raise AnnotationError(
                f"{path}:{lineno}: start, stop and probability must be numbers, got {line!r}"
            ) from None
        events.append(Event(start, stop, normalize_label(parts[2]), TERM, conf))
        lines.append(lineno)
    return _annotation(path, events, lines, allowed)


def read_tse(path: str | os.PathLike) -> Annotation:
    """Read a ``.tse`` file: recording-level events with the full TUSZ vocabulary.

    Parameters
    ----------
    path : path-like
        The file.

    Returns
    -------
    Annotation
        ``bname`` is the file stem; ``duration`` (s) is the last stop time.

    Raises
    ------
    AnnotationError
        On a format or validation error (naming the file and the line).
    """
    return _read_tse(path, KNOWN_LABELS)


def read_tse_bi(path: str | os.PathLike) -> Annotation:
    """Read a ``.tse_bi`` file: recording-level ``seiz``/``bckg`` events.

    Parameters
    ----------
    path : path-like
        The file.

    Returns
    -------
    Annotation
        ``bname`` is the file stem; ``duration`` (s) is the last stop time.

    Raises
    ------
    AnnotationError
        On a format or validation error (naming the file and the line).
    """
    return _read_tse(path, BI_LABELS)


def write_tse(path: str | os.PathLike, ann: Annotation, binary: bool = False) -> None:
    """Write the recording-level events of ``ann`` as ``.tse`` (``binary``: ``.tse_bi``).

    Background fills the gaps up to ``ann.duration``; ``binary`` writes seizure types as ``seiz``.
    ``nesz`` events are kept in ``.tse`` and become background in ``.tse_bi``.

    Parameters
    ----------
    path : path-like
        Destination (written atomically).
    ann : Annotation
        The events; ``ann.duration`` (s) ends the last background row.
    binary : bool
        Write the two-class variant.
    """
    term = [e for e in ann.events if e.channel == TERM and e.label != "bckg"] or ann.recording_seizures()
    if binary:
        term = [Event(e.start, e.stop, "seiz", TERM, e.confidence) for e in term if is_seizure(e.label)]
    rows = with_background(term, ann.duration, TERM)
    lines = ["version = tse_v1.0.0", ""]
    lines += [f"{e.start:.4f} {e.stop:.4f} {e.label} {e.confidence:.4f}" for e in rows]
    atomic_write(Path(path), "\n".join(lines) + "\n")


def _split_top(body: str) -> list[str]:
    """Split ``a, b, [x, y]`` at commas outside brackets."""
    out, depth, cur = [], 0, []
    for ch in body:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if ch == "," and depth == 0:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur).strip())
    return out


def _read_lbl(path: str | os.PathLike, allowed: frozenset[str] | None) -> Annotation:
    path = Path(path)
    rows = numbered_lines(read_text(path, AnnotationError, "annotation"))
    _version(path, rows, "lbl_v")
    montage: dict[int, str] = {}
    symbols: dict[int, str] | None = None
    raw: list[tuple[int, list[str]]] = []
    for lineno, line in rows[1:]:
        if m := _MONTAGE.match(line):
            montage[int(m[1])] = m[2].strip()
        elif m := _SYMBOLS.match(line):
            if int(m[1]) == 0:
                symbols = {int(k): v for k, v in _SYMBOL.findall(m[2])}
        elif m := _LABEL.match(line):
            raw.append((lineno, _split_top(m[1])))
        elif not line.startswith(("number_of_levels", "level[")):
            raise AnnotationError(f"{path}:{lineno}: unrecognized .lbl line {line!r}")
    if symbols is None:
        raise AnnotationError(f"{path}: missing 'symbols[0] = {{...}}' line")
    events: list[Event] = []
    lines: list[int] = []
    for lineno, parts in raw:
        if len(parts) != 6 or not parts[5].startswith("["):
            raise AnnotationError(
                f"{path}:{lineno}: expected 'label = {{level, sublevel, start, stop, channel, [probabilities]}}'"
            )
        try:
            start, stop, chan = float(parts[2]), float(parts[3]), int(parts[4])
            probs = [float(x) for x in parts[5].strip("[]").split(",") if x.strip()]
        except ValueError:
            raise AnnotationError(f"{path}:{lineno}: start, stop, channel and probabilities must be numbers") from None
        if chan not in montage:
            raise AnnotationError(f"{path}:{lineno}: channel index {chan} is not in the file's montage lines")
        best = max(range(len(probs)), key=probs.__getitem__) if probs else -1
        if best < 0 or probs[best] <= 0 or best not in symbols or symbols[best] == "(null)":
            raise AnnotationError(f"{path}:{lineno}: probabilities {probs} select no label of symbols[0]")
        events.append(Event(start, stop, normalize_label(symbols[best]), montage[chan], probs[best]))
        lines.append(lineno)
    return _annotation(path, events, lines, allowed)


def read_lbl(path: str | os.PathLike) -> Annotation:
    """Read a ``.lbl`` file: per-channel events with the full TUSZ vocabulary.

    Parameters
    ----------
    path : path-like
        The file.

    Returns
    -------
    Annotation
        ``bname`` is the file stem; ``duration`` (s) is the last stop time.

    Raises
    ------
    AnnotationError
        On a format or validation error (naming the file and the line).
    """
    return _read_lbl(path, KNOWN_LABELS)


def read_lbl_bi(path: str | os.PathLike) -> Annotation:
    """Read a ``.lbl_bi`` file: per-channel ``seiz``/``bckg`` events.

    Parameters
    ----------
    path : path-like
        The file.

    Returns
    -------
    Annotation
        ``bname`` is the file stem; ``duration`` (s) is the last stop time.

    Raises
    ------
    AnnotationError
        On a format or validation error (naming the file and the line).
    """
    return _read_lbl(path, BI_LABELS)


def _montage_line(i: int, channel: str) -> str:
    if "-" in channel:
        a, b = channel.split("-", 1)
        return f"montage = {i:2d}, {channel}: EEG {a}-REF -- EEG {b}-REF"
    return f"montage = {i:2d}, {channel}: {channel}"


def write_lbl(path: str | os.PathLike, ann: Annotation, binary: bool = False) -> None:
    """Write the per-channel events of ``ann`` as ``.lbl`` (``binary``: ``.lbl_bi``).

    Every channel is fully segmented (background in the gaps); a recording-level annotation is
    written on one channel ``TERM``. The confidence is stored as the label's probability.

    Parameters
    ----------
    path : path-like
        Destination (written atomically).
    ann : Annotation
        The events; ``ann.duration`` (s) ends the last background row.
    binary : bool
        Write the two-class variant.
    """
    symbols = _LBL_BI_SYMBOLS if binary else _LBL_SYMBOLS
    index = {s: i for i, s in enumerate(symbols)}
    channels = ann.channels or [TERM]
    lines = ["version = lbl_v1.0.0", ""]
    lines += [_montage_line(i, ch) for i, ch in enumerate(channels)]
    lines += ["", "number_of_levels = 1", "level[0] = 1", ""]
    lines.append("symbols[0] = {" + ", ".join(f"{i}: '{s}'" for i, s in enumerate(symbols)) + "}")
    lines.append("")
    for ci, ch in enumerate(channels):
        evs = [e for e in ann.events if e.channel == ch]
        if binary:
            evs = [Event(e.start, e.stop, "seiz", ch, e.confidence) for e in evs if is_seizure(e.label)]
        for ev in with_background(evs, ann.duration, ch):
            probs = [0.0] * len(symbols)
            probs[index[ev.label]] = ev.confidence
            vec = ", ".join(f"{p:.4f}" for p in probs)
            lines.append(f"label = {{0, 0, {ev.start:.4f}, {ev.stop:.4f}, {ci}, [{vec}]}}")
    atomic_write(Path(path), "\n".join(lines) + "\n")
