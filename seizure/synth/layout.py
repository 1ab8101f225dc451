"""Electrode layout of the synthetic recordings: names, approximate 10-20 positions, EDF labels.

Positions are points on the unit sphere (x to the right ear, y to the nose, z to the vertex),
computed from the usual spherical 10-20 angles. Distances between electrodes are chord lengths
on that sphere: neighbouring 10-20 electrodes are about 0.6 apart.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "STANDARD_ELECTRODES",
    "EXTRA_EEG_ELECTRODES",
    "EEG_ELECTRODES",
    "SCALP_ELECTRODES",
    "POSITIONS",
    "FOCUS_PRIMARY",
    "MONTAGE_DIRS",
    "position_matrix",
    "distance_matrix",
    "edf_label",
]

#: The 21 electrodes of the 10-20 system (with ear electrodes), in TUH file order.
STANDARD_ELECTRODES: tuple[str, ...] = (
    "FP1", "FP2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2",
    "F7", "F8", "T3", "T4", "T5", "T6", "A1", "A2", "FZ", "CZ", "PZ",
)  # fmt: skip
#: Anterior temporal electrodes some TUH recordings add.
EXTRA_EEG_ELECTRODES: tuple[str, ...] = ("T1", "T2")
#: Every EEG electrode that is simulated (rows of the internal signal array).
EEG_ELECTRODES: tuple[str, ...] = STANDARD_ELECTRODES + EXTRA_EEG_ELECTRODES
#: Scalp electrodes used for the common average reference (no ears, no T1/T2).
SCALP_ELECTRODES: tuple[str, ...] = tuple(e for e in STANDARD_ELECTRODES if e not in ("A1", "A2"))

#: Montage directories of TUSZ v2.0 the generator writes.
MONTAGE_DIRS: tuple[str, ...] = ("01_tcp_ar", "02_tcp_le", "03_tcp_ar_a")

# Spherical angles in degrees: signed polar angle from the vertex (negative on the left) and
# azimuth (the usual "theta/phi" 10-20 convention).
_ANGLES: dict[str, tuple[float, float]] = {
    "FP1": (-90, -72), "FP2": (90, 72), "F7": (-90, -36), "F8": (90, 36),
    "T3": (-90, 0), "T4": (90, 0), "T5": (-90, 36), "T6": (90, -36),
    "O1": (-90, 72), "O2": (90, -72), "F3": (-60, -51), "F4": (60, 51),
    "C3": (-45, 0), "C4": (45, 0), "P3": (-60, 51), "P4": (60, -51),
    "FZ": (45, 90), "CZ": (0, 0), "PZ": (45, -90),
    "A1": (-120, 0), "A2": (120, 0), "T1": (-105, -18), "T2": (105, 18),
}  # fmt: skip


def _to_xyz(theta_deg: float, phi_deg: float) -> np.ndarray:
    theta, phi = np.deg2rad(theta_deg), np.deg2rad(phi_deg)
    return np.array([np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)])


#: Electrode name -> unit vector (x right, y anterior, z up).
POSITIONS: dict[str, np.ndarray] = {name: _to_xyz(*ang) for name, ang in _ANGLES.items()}

#: Focal seizure onset regions -> primary electrode on the left / right hemisphere.
FOCUS_PRIMARY: dict[str, tuple[str, str]] = {
    "temporal": ("T3", "T4"),
    "frontotemporal": ("F7", "F8"),
    "frontal": ("F3", "F4"),
    "central": ("C3", "C4"),
    "parietal": ("P3", "P4"),
    "occipital": ("O1", "O2"),
}


def position_matrix(electrodes: tuple[str, ...] = EEG_ELECTRODES) -> np.ndarray:
    """Positions of ``electrodes`` as an array of shape (n, 3) (unit sphere).

    Parameters
    ----------
    electrodes : tuple of str
        Electrode names, keys of :data:`POSITIONS`.

    Returns
    -------
    ndarray, shape (n, 3)
        Unit vectors (x right, y anterior, z up), one row per electrode.
    """
    return np.stack([POSITIONS[e] for e in electrodes])


def distance_matrix(electrodes: tuple[str, ...] = EEG_ELECTRODES) -> np.ndarray:
    """Chord distances between ``electrodes``, shape (n, n), unit-sphere units.

    Parameters
    ----------
    electrodes : tuple of str
        Electrode names, keys of :data:`POSITIONS`.

    Returns
    -------
    ndarray, shape (n, n)
        Symmetric distances, zero on the diagonal (neighbours are about 0.6 apart).
    """
    pos = position_matrix(electrodes)
    diff = pos[:, None, :] - pos[None, :, :]
    return np.sqrt((diff**2).sum(-1))


def edf_label(electrode: str, montage_dir: str) -> str:
    """TUH EDF label of an EEG electrode: ``EEG FP1-REF`` (averaged reference) or ``EEG FP1-LE``.

    Parameters
    ----------
    electrode : str
        Electrode (or extra channel) name, e.g. ``FP1`` or ``EKG1``.
    montage_dir : str
        TUSZ montage directory; a linked-ears one (``_le``) gives the ``-LE`` suffix.

    Returns
    -------
    str
        The EDF channel label.
    """
    suffix = "LE" if "_le" in montage_dir else "REF"
    return f"EEG {electrode}-{suffix}"
