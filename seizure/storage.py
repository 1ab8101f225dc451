"""Writing files safely: atomic replacement, space reserved up front, disk faults stated clearly.

A fault of the machine (a full disk, a read-only file system, an I/O error) is not a property of
a recording: it stops the command. These helpers make such faults early and explicit: space for a
file of known size is reserved before it is written (so a full disk is found before any work, and
a memory-mapped reader never meets a hole it cannot fill), and text files are written to a
temporary name and renamed into place, so a reader sees the old file or the new one, never half.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

__all__ = ["atomic_write_text", "atomic_write_bytes", "reserve_space", "free_bytes", "new_run_folder", "DISK_ERRNOS"]

#: errno values that mean the machine, not the data, is at fault.
DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EROFS, errno.EIO, errno.EDQUOT})


def free_bytes(path: str | os.PathLike) -> int | None:
    """Bytes free on the file system holding ``path`` (its nearest existing parent), or None.

    Parameters
    ----------
    path : path-like
        A file or folder; it need not exist yet (its nearest existing parent is asked).

    Returns
    -------
    int | None
        Free bytes, or None when the file system cannot be asked.
    """
    p = Path(path).absolute()
    while not p.exists() and p != p.parent:
        p = p.parent
    try:
        return shutil.disk_usage(p).free
    except OSError:
        return None


def _mib(n: int | None) -> str:
    return "unknown" if n is None else f"{n / 2**20:,.1f} MiB"


def reserve_space(fd: int, size: int, path: str | os.PathLike) -> None:
    """Allocate ``size`` bytes for the open file ``fd`` before it is written.

    Parameters
    ----------
    fd : int
        File descriptor open for writing.
    size : int
        Final size of the file in bytes.
    path : path-like
        The file, for the message.

    Raises
    ------
    OSError
        ``ENOSPC`` naming the file, the bytes needed and the bytes free. Where the file system
        cannot allocate ahead (no ``posix_fallocate``), the file is only extended (sparse).
    """
    try:
        if hasattr(os, "posix_fallocate") and size > 0:
            os.posix_fallocate(fd, 0, size)
        else:
            os.ftruncate(fd, size)
    except OSError as exc:
        if exc.errno in (errno.EOPNOTSUPP, errno.EINVAL, getattr(errno, "ENOTSUP", errno.EOPNOTSUPP)):
            os.ftruncate(fd, size)
            return
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise OSError(
                exc.errno,
                f"no space left on device: {_mib(size)} needed for this file, {_mib(free_bytes(path))} free",
                str(path),
            ) from None
        raise


def atomic_write_bytes(path: str | os.PathLike, data: bytes, reserve: bool = False) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    Parameters
    ----------
    path : path-like
        The file to write (replaced if it exists).
    data : bytes
        The whole content of the file.
    reserve : bool
        Allocate the file's space before writing (:func:`reserve_space`).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OSError
        The write failed (the old file, if any, is left as it was; the temporary file is removed).
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            if reserve:  # a full disk is found before any byte is written, with the space needed
                reserve_space(fh.fileno(), len(data), path)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """:func:`atomic_write_bytes` of UTF-8 text.

    Parameters
    ----------
    path : path-like
        The file to write (replaced if it exists).
    text : str
        The whole content of the file, encoded as UTF-8.

    Returns
    -------
    Path
        ``path``.
    """
    return atomic_write_bytes(path, text.encode("utf-8"))


def new_run_folder(parent: str | os.PathLike, prefix: str = "") -> Path:
    """Create a new, unique folder ``<parent>/<prefix><UTC time>-<6 hex digits>``.

    The time (to the millisecond) orders runs; the random suffix keeps two runs started in the
    same millisecond (two processes, a sweep on a cluster) apart. The folder is created here with
    ``exist_ok=False``, so it belongs to the caller alone.

    Parameters
    ----------
    parent : path-like
        Folder to create it in (made if missing).
    prefix : str
        Text before the time, e.g. ``"sweep-"``.

    Returns
    -------
    Path
        The new folder (absolute).
    """
    import secrets
    from datetime import datetime, timezone

    parent = Path(parent).resolve()
    parent.mkdir(parents=True, exist_ok=True)
    for _ in range(100):
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S-%f")[:-3]
        path = parent / f"{prefix}{stamp}-{secrets.token_hex(3)}"
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path
    raise FileExistsError(errno.EEXIST, "could not create a unique run folder", str(parent))
