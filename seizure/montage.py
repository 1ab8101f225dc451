"""Temporal central parasagittal (TCP) bipolar montage and electrode-name normalization.

The TCP montage has 22 bipolar channels, each the difference of two referential channels
(``FP1-F7 = EEG FP1-REF - EEG F7-REF``). Montage names (:data:`MONTAGES`):

- ``01_tcp_ar`` / ``02_tcp_le``: TUH averaged-reference / linked-ears files, all 22 channels.
- ``03_tcp_ar_a`` / ``04_tcp_le_a``: TUH files without A1/A2, so channels 8 (``A1-T3``) and 13
  (``T4-A2``) are absent: 20 channels.
- ``1020`` / ``1020_a``: plain 10-20 recordings from outside TUH (any reference; modern names
  T7/T8/P7/P8 and mixed case accepted), with or without A1/A2 (:func:`montage_for_channels`).

Feeding 22-channel models from 20-channel montages: the cache stores every recording as the 22
TCP rows in this order, the absent rows as zeros, and ``meta["present"]`` marks which rows are
real (:func:`present_mask`). A model trained on 22 channels therefore sees the same channel
layout everywhere; one that must ignore the absent rows can use the mask.
"""

from __future__ import annotations

import re

import numpy as np

from seizure._validation import SeizureError

__all__ = [
    "TCP_PAIRS",
    "TCP_NAMES",
    "TCP_ELECTRODES",
    "MontageError",
    "normalize_electrode",
    "electrode_map",
    "tcp_pairs_for",
    "present_mask",
    "montage_for_channels",
    "MONTAGES",
    "apply_bipolar",
]

#: (anode, cathode) of the 22 TCP channels, in the TUH order.
TCP_PAIRS: tuple[tuple[str, str], ...] = (
    ("FP1", "F7"), ("F7", "T3"), ("T3", "T5"), ("T5", "O1"),
    ("FP2", "F8"), ("F8", "T4"), ("T4", "T6"), ("T6", "O2"),
    ("A1", "T3"), ("T3", "C3"), ("C3", "CZ"), ("CZ", "C4"), ("C4", "T4"), ("T4", "A2"),
    ("FP1", "F3"), ("F3", "C3"), ("C3", "P3"), ("P3", "O1"),
    ("FP2", "F4"), ("F4", "C4"), ("C4", "P4"), ("P4", "O2"),
)  # fmt: skip
TCP_NAMES: tuple[str, ...] = tuple(f"{a}-{b}" for a, b in TCP_PAIRS)
#: Referential electrodes the TCP montage uses, in first-use order.
TCP_ELECTRODES: tuple[str, ...] = tuple(dict.fromkeys(e for pair in TCP_PAIRS for e in pair))

# Modern 10-20 names -> the old terms TUH uses.
_MODERN_TO_OLD = {"T7": "T3", "T8": "T4", "P7": "T5", "P8": "T6"}
_PREFIX = re.compile(r"^(EEG\s+)", re.IGNORECASE)
_SUFFIX = re.compile(r"[-_ ]?(REF|LE|AR|AVG|M1|M2)$", re.IGNORECASE)


class MontageError(SeizureError):
    """A recording lacks an electrode a montage needs."""


def normalize_electrode(name: str) -> str:
    """Map an EDF channel label to its electrode name in TUH terms.

    ``EEG FP1-REF`` -> ``FP1``; ``EEG FP1-LE`` -> ``FP1``; ``Fp1`` -> ``FP1``; ``T7`` -> ``T3``.
    Labels that are not electrodes are returned upper-cased without prefix/suffix
    (``EEG EKG1-REF`` -> ``EKG1``) and simply never match a montage electrode.

    Parameters
    ----------
    name : str
        An EDF channel label.

    Returns
    -------
    str
        The electrode name, upper case, without ``EEG`` prefix or reference suffix.
    """
    core = _PREFIX.sub("", name.strip())
    core = _SUFFIX.sub("", core).strip().upper()
    return _MODERN_TO_OLD.get(core, core)


def electrode_map(ch_names: list[str]) -> dict[str, int]:
    """Electrode name -> index into ``ch_names`` (first occurrence wins).

    Parameters
    ----------
    ch_names : list of str
        EDF channel labels (normalized with :func:`normalize_electrode`).

    Returns
    -------
    dict of str to int
        Normalized electrode name -> index of its first channel in ``ch_names``.
    """
    out: dict[str, int] = {}
    for i, ch in enumerate(ch_names):
        out.setdefault(normalize_electrode(ch), i)
    return out


#: Montage names this module knows (TUSZ montage directories and plain 10-20).
MONTAGES = ("01_tcp_ar", "02_tcp_le", "03_tcp_ar_a", "04_tcp_le_a", "1020", "1020_a")


def tcp_pairs_for(montage_dir: str) -> tuple[tuple[str, str], ...]:
    """TCP pairs of a montage (``01_tcp_ar`` ... ``04_tcp_le_a``, ``1020``, ``1020_a``).

    Parameters
    ----------
    montage_dir : str
        Montage name, one of :data:`MONTAGES`.

    Returns
    -------
    tuple of (str, str)
        (anode, cathode) electrode pairs in TCP order: all 22, or the 20 without A1/A2 for the
        ``_a`` montages.

    Raises
    ------
    MontageError
        For a montage name not in :data:`MONTAGES`.
    """
    if montage_dir not in MONTAGES:
        raise MontageError(f"unknown montage {montage_dir!r}; expected one of {list(MONTAGES)}")
    if montage_dir.endswith("_a"):
        return tuple(p for p in TCP_PAIRS if "A1" not in p and "A2" not in p)
    return TCP_PAIRS


def present_mask(montage_dir: str) -> list[bool]:
    """For each of the 22 TCP channels, whether the montage has it.

    Parameters
    ----------
    montage_dir : str
        Montage name, one of :data:`MONTAGES`.

    Returns
    -------
    list of bool
        22 flags in the order of :data:`TCP_PAIRS`.

    Raises
    ------
    MontageError
        For a montage name not in :data:`MONTAGES`.
    """
    pairs = set(tcp_pairs_for(montage_dir))
    return [p in pairs for p in TCP_PAIRS]


def montage_for_channels(ch_names: list[str]) -> str:
    """Montage of a plain 10-20 recording: ``1020`` with A1 and A2, ``1020_a`` without.

    Parameters
    ----------
    ch_names : list of str
        EDF channel labels of the recording.

    Returns
    -------
    str
        ``"1020"`` or ``"1020_a"``.
    """
    idx = electrode_map(ch_names)
    return "1020" if "A1" in idx and "A2" in idx else "1020_a"


def apply_bipolar(
    data: np.ndarray,
    ch_names: list[str],
    pairs: tuple[tuple[str, str], ...] = TCP_PAIRS,
    source: str = "<recording>",
) -> np.ndarray:
    """Bipolar derivations ``data[anode] - data[cathode]`` for each pair.

    Parameters
    ----------
    data : ndarray, shape (n_channels, n_times)
        Referential signals (microvolts).
    ch_names : list of str
        EDF labels of the rows of ``data``.
    pairs : tuple of (str, str)
        Montage pairs in electrode names.
    source : str
        File name used in error messages.

    Returns
    -------
    ndarray, shape (len(pairs), n_times), same dtype as ``data``.

    Raises
    ------
    MontageError
        Naming the file and every missing electrode.
    """
    idx = electrode_map(ch_names)
    missing = sorted({e for pair in pairs for e in pair if e not in idx})
    if missing:
        raise MontageError(
            f"{source}: montage needs electrode(s) {missing} which the recording lacks "
            f"(channels present: {list(ch_names)})"
        )
    anode = [idx[a] for a, _ in pairs]
    cathode = [idx[b] for _, b in pairs]
    return data[anode] - data[cathode]
