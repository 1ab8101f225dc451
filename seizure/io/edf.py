"""EDF reading through MNE: header only, or the montage electrodes' signals in microvolts."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["EdfError", "EdfHeader", "read_header", "read_channels"]

logger = logging.getLogger("seizure")


class EdfError(ValueError):
    """An EDF file cannot be read or is inconsistent."""


@dataclass(frozen=True)
class EdfHeader:
    """What the project keeps from an EDF header (nothing identifying).

    Attributes
    ----------
    sfreq : float
        Sampling rate in Hz.
    n_times : int
        Samples per channel.
    ch_names : tuple of str
        Channel labels as written in the file.
    """

    path: str
    sfreq: float
    n_times: int
    ch_names: tuple[str, ...]

    @property
    def duration(self) -> float:
        """Seconds."""
        return self.n_times / self.sfreq


def _open(path: str | os.PathLike, preload: bool = False):
    import mne

    path = Path(path)
    if not path.is_file():
        raise EdfError(f"{path}: EDF file not found")
    if path.stat().st_size == 0:
        raise EdfError(f"{path}: EDF file is empty (0 bytes)")
    try:
        raw = mne.io.read_raw_edf(path, preload=preload, verbose="error")
    except Exception as exc:  # MNE raises several types for damaged headers
        raise EdfError(f"{path}: not a readable EDF file ({type(exc).__name__}: {exc})") from exc
    if raw.n_times == 0:
        raise EdfError(f"{path}: EDF file holds no samples (zero-length recording)")
    return raw


def read_header(path: str | os.PathLike) -> EdfHeader:
    """Sampling rate, length and channel names, without reading the signal body."""
    raw = _open(path)
    return EdfHeader(str(path), float(raw.info["sfreq"]), int(raw.n_times), tuple(raw.ch_names))


def read_channels(path: str | os.PathLike, channels: list[str]) -> tuple[np.ndarray, float]:
    """Read the named channels in microvolts.

    Parameters
    ----------
    path : path-like
        EDF file.
    channels : list of str
        Channel labels exactly as in the file.

    Returns
    -------
    data : ndarray, shape (len(channels), n_times), float64, microvolts
    sfreq : float
        Hz.
    """
    raw = _open(path)
    try:
        data = raw.get_data(picks=list(channels)) * 1e6
    except Exception as exc:
        raise EdfError(f"{path}: cannot read signal samples ({type(exc).__name__}: {exc})") from exc
    if not np.all(np.isfinite(data)):
        raise EdfError(f"{path}: signal contains NaN or infinite values")
    return data, float(raw.info["sfreq"])
