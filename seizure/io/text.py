"""Text helpers shared by the annotation formats and the list files: read tolerantly, write atomically.

Annotation and list files come from many tools. Files saved on Windows often start with a byte
order mark and end their lines with CRLF; both are accepted (:func:`read_text`), so a header such
as ``# version = csv_v1.0.0`` or the BIDS column ``onset`` is found whatever editor saved it.
Files are always written as UTF-8 without BOM and with ``\\n`` line endings.
"""

from __future__ import annotations

import codecs
import os
from pathlib import Path

from seizure._validation import SeizureError
from seizure.storage import DISK_ERRNOS, atomic_write_text

__all__ = ["read_text", "numbered_lines", "atomic_write"]

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def read_text(path: str | os.PathLike, error: type[SeizureError] = SeizureError, kind: str = "text") -> str:
    """The text of ``path`` without byte order mark, with ``\\n`` line endings.

    Parameters
    ----------
    path : path-like
        A UTF-8 text file (with or without BOM) or a UTF-16 file with BOM; line endings may be
        ``\\n``, ``\\r\\n`` or ``\\r``.
    error : type
        The :class:`~seizure._validation.SeizureError` subclass raised on failure.
    kind : str
        What the file is, for the messages (``"annotation"``, ``"list"``).

    Returns
    -------
    str
        The decoded text; every line break is ``\\n``.

    Raises
    ------
    SeizureError
        ``error``, naming the file, if it cannot be read or is not text.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        if exc.errno in DISK_ERRNOS:  # a fault of the machine, not of the file: stop
            raise
        raise error(f"{path}: cannot read {kind} file ({exc.strerror or exc})") from exc
    try:
        text = data.decode("utf-16") if data.startswith(_UTF16_BOMS) else data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise error(f"{path}: not a text {kind} file (expected UTF-8 text, found undecodable bytes)") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def numbered_lines(text: str) -> list[tuple[int, str]]:
    """``(line number, stripped line)`` of the non-blank lines of ``text`` (numbers from 1).

    Parameters
    ----------
    text : str
        Text with ``\\n`` line breaks, as :func:`read_text` returns it.

    Returns
    -------
    list of tuple of (int, str)
        One pair per line holding more than white space, the number counting every line (blank
        ones too) so that messages point at the right line of the file.
    """
    return [(n, line.strip()) for n, line in enumerate(text.split("\n"), start=1) if line.strip()]


def atomic_write(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8, ``\\n`` line endings) to ``path`` through a temporary file and a rename.

    Parameters
    ----------
    path : path-like
        Destination file; it is replaced whole or left untouched.
    text : str
        Content; written as UTF-8 without byte order mark.
    """
    atomic_write_text(path, text)
