"""Records of a synthetic corpus plan: patients, seizures, recordings, the whole corpus."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import numpy as np

from ..io.annotations import Event
from ..montage import tcp_pairs_for
from .layout import FOCUS_PRIMARY

__all__ = ["PlanError", "PatientPlan", "SeizurePlan", "RecordingPlan", "CorpusPlan"]


class PlanError(RuntimeError):
    """The corpus plan violates a requirement (seizure fraction, durations, splits)."""


@dataclass(frozen=True)
class PatientPlan:
    """Per-patient traits that stay the same across the patient's recordings.

    Parameters
    ----------
    subject : str
        8 lowercase letters.
    split : str
        ``train``, ``dev`` or ``eval``.
    favourite : str
        Most frequent seizure type of the patient.
    region, side : str, int
        Focal onset region (key of :data:`FOCUS_PRIMARY`) and hemisphere (0 left, 1 right).
    bg_uv : float
        Referential background amplitude (RMS, microvolts).
    alpha_uv, alpha_hz : float
        Posterior alpha rhythm amplitude (RMS at O1/O2, microvolts) and frequency (Hz).
    exponent : float
        Spectral exponent of the 1/f background (power ~ 1/f**exponent).
    ictal_rel : float
        Position in [0, 1] of the patient's ictal frequency within each type's range.
    polarity : float
        Sign (+1 or -1) of the patient's ictal sharp waves.
    propensity : float
        Relative seizure rate (0 for seizure-free patients).
    """

    subject: str
    split: str
    favourite: str
    region: str
    side: int
    bg_uv: float
    alpha_uv: float
    alpha_hz: float
    exponent: float
    ictal_rel: float
    polarity: float
    propensity: float

    @property
    def focus(self) -> str:
        """Primary electrode of the patient's focal seizures."""
        return FOCUS_PRIMARY[self.region][self.side]


@dataclass(frozen=True)
class SeizurePlan:
    """One planned seizure.

    Parameters
    ----------
    label : str
        TUSZ seizure type (``fnsz``, ``cpsz``, ``spsz``, ``gnsz``, ``tcsz``, ``absz``).
    start, stop : float
        Seconds from the recording start (multiples of 0.01 s).
    onsets : tuple of (str, float)
        Involved electrodes and their onset delay after ``start`` (seconds); the earliest is 0
        and is a scalp electrode of the TCP montage.
    snr : float
        Peak ictal amplitude relative to the background RMS.
    ictal_hz : float
        Frequency of the ictal rhythm at onset (Hz).
    generalize_at : float or None
        Delay (seconds) at which a focal seizure becomes bilateral, if it does.
    """

    label: str
    start: float
    stop: float
    onsets: tuple[tuple[str, float], ...]
    snr: float
    ictal_hz: float
    generalize_at: float | None = None

    @property
    def duration(self) -> float:
        """Seconds from onset to end."""
        return self.stop - self.start


@dataclass(frozen=True)
class RecordingPlan:
    """One planned recording (one EDF file and its two annotation files).

    Parameters
    ----------
    index : int
        Position in the corpus plan (generation and manifest order).
    patient : PatientPlan
        The patient recorded.
    session : str
        TUSZ session folder name, ``sNNN_YYYY_MM_DD`` (e.g. ``s001_2004_05_17``).
    token : int
        Segment number within the session (``tNNN`` of the file name).
    montage : str
        TUSZ montage directory (one of :data:`seizure.synth.layout.MONTAGE_DIRS`).
    sfreq : int
        Sampling rate in Hz.
    duration : int
        Length in seconds.
    start_time : tuple of (int, int, int)
        Clock time (hour, minute, second) of the recording start.
    seed : numpy.random.SeedSequence
        Seed of the recording's own random generator (signals do not depend on other recordings).
    seizures : tuple of SeizurePlan
        The planned seizures, in time order.
    """

    index: int
    patient: PatientPlan
    session: str  # e.g. "s001_2004_05_17"
    token: int
    montage: str
    sfreq: int
    duration: int  # seconds
    start_time: tuple[int, int, int]
    seed: np.random.SeedSequence = field(repr=False)
    seizures: tuple[SeizurePlan, ...] = ()

    @property
    def split(self) -> str:
        """The patient's split (``train``, ``dev`` or ``eval``)."""
        return self.patient.split

    @property
    def subject(self) -> str:
        """The patient's subject code."""
        return self.patient.subject

    @property
    def bname(self) -> str:
        """File base name, ``<subject>_sNNN_tNNN``."""
        return f"{self.subject}_{self.session[:4]}_t{self.token:03d}"

    @property
    def rel_dir(self) -> str:
        """Folder of the recording's files relative to the corpus root."""
        return f"edf/{self.split}/{self.subject}/{self.session}/{self.montage}"

    @property
    def date(self) -> datetime.date:
        """Date of the session (from its folder name)."""
        y, m, d = (int(x) for x in self.session[5:].split("_"))
        return datetime.date(y, m, d)

    def rel_path(self, ext: str) -> str:
        """Path of this recording's ``.edf``/``.csv``/``.csv_bi`` relative to the corpus root.

        Parameters
        ----------
        ext : str
            File extension without the dot (``edf``, ``csv`` or ``csv_bi``).

        Returns
        -------
        str
            ``<rel_dir>/<bname>.<ext>``.
        """
        return f"{self.rel_dir}/{self.bname}.{ext}"

    def channel_events(self) -> dict[str, list[Event]]:
        """TCP channel -> typed seizure events (every channel of the montage dir is a key).

        A channel ``A-B`` is ictal from the earlier onset of its two electrodes to the seizure end.

        Returns
        -------
        dict of str to list of Event
            Channel name (``FP1-F7``) -> its seizure events (seconds, labelled with the seizure type).
        """
        out: dict[str, list[Event]] = {f"{a}-{b}": [] for a, b in tcp_pairs_for(self.montage)}
        for sz in self.seizures:
            onsets = dict(sz.onsets)
            for a, b in tcp_pairs_for(self.montage):
                delays = [onsets[e] for e in (a, b) if e in onsets]
                if delays:
                    start = round(sz.start + min(delays), 2)
                    out[f"{a}-{b}"].append(Event(start, sz.stop, sz.label, f"{a}-{b}"))
        return out

    def term_events(self) -> list[Event]:
        """Recording-level ``seiz`` events: the union over channels of :meth:`channel_events`.

        Returns
        -------
        list of Event
            Disjoint ``seiz`` events in time order (seconds).
        """
        spans = sorted((e.start, e.stop) for evs in self.channel_events().values() for e in evs)
        merged: list[list[float]] = []
        for start, stop in spans:
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], stop)
            else:
                merged.append([start, stop])
        return [Event(a, b, "seiz") for a, b in merged]

    @property
    def seizure_s(self) -> float:
        """Seconds of seizure in the recording (recording-level events)."""
        return float(sum(e.duration for e in self.term_events()))


@dataclass(frozen=True)
class CorpusPlan:
    """The whole plan; ``recordings`` are in generation (and manifest) order.

    Parameters
    ----------
    params : dict
        The generator's arguments (``n_patients``, ``hours``, ``seed``, ``split_fractions``).
    patients : tuple of PatientPlan
        Every patient.
    recordings : tuple of RecordingPlan
        Every recording, in generation order.
    """

    params: dict
    patients: tuple[PatientPlan, ...]
    recordings: tuple[RecordingPlan, ...]

    @property
    def duration_s(self) -> float:
        """Total recording time in seconds."""
        return float(sum(r.duration for r in self.recordings))

    @property
    def n_seizures(self) -> int:
        """Recording-level seizure events in the corpus."""
        return sum(len(r.term_events()) for r in self.recordings)

    @property
    def seizure_s(self) -> float:
        """Total seizure time in seconds."""
        return float(sum(r.seizure_s for r in self.recordings))

    @property
    def seizure_fraction(self) -> float:
        """Share of the recording time in seizure (0 for an empty corpus)."""
        return self.seizure_s / self.duration_s if self.duration_s else 0.0
