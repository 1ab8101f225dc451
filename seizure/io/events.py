"""The events type of the project: :class:`Event`, :class:`Annotation`, the labels and the validation.

Every annotation format (:mod:`seizure.io.formats`) reads into and writes from these types, and
every later stage (scoring, detection, reports) works on them. Times are in seconds.

Labels are the TUSZ vocabulary (:data:`KNOWN_LABELS`): ``bckg``, the seizure types of
:data:`SEIZURE_LABELS` and ``nesz`` (non-epileptic seizure), which is kept as a label but is not
a seizure for detection (:func:`is_seizure`). The one documented repair is the old label
``bkgd``, read as ``bckg`` (:func:`normalize_label`).

Validation is the same for every format (:func:`validate_events`): ``stop <= start``, events
outside ``[0, duration]``, overlapping events on one channel (recording-level events are on
channel ``TERM``) and unknown labels are errors naming the file and the line; nothing is
repaired silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from seizure._validation import SeizureError

__all__ = [
    "Event",
    "Annotation",
    "AnnotationError",
    "TERM",
    "SEIZURE_LABELS",
    "KNOWN_LABELS",
    "BI_LABELS",
    "BOUND_TOLERANCE_S",
    "EDF_DURATION_TOLERANCE_S",
    "normalize_label",
    "is_seizure",
    "validate_events",
    "merge_intervals",
    "with_background",
]

#: Channel name of a recording-level event.
TERM = "TERM"
#: Seizure types of the TUSZ vocabulary (``nesz`` is excluded: non-epileptic).
SEIZURE_LABELS = frozenset({"seiz", "fnsz", "gnsz", "spsz", "cpsz", "absz", "tnsz", "cnsz", "tcsz", "atsz", "mysz"})
#: Every label a TUSZ seizure annotation may carry.
KNOWN_LABELS = SEIZURE_LABELS | {"bckg", "nesz"}
#: Labels of the two-class (``_bi``) formats.
BI_LABELS = frozenset({"seiz", "bckg"})
#: Seconds of slack for float rounding in event bounds (files keep 2-4 decimals).
BOUND_TOLERANCE_S = 1e-3
#: Largest difference (s) allowed between the duration an annotation file states or covers and
#: the duration of its EDF (:func:`seizure.io.corpus.recording_annotations`).
EDF_DURATION_TOLERANCE_S = 1.0
_ALIASES = {"bkgd": "bckg"}
# Events closer than this (s) are touching when merged or segmented (float noise only).
_TOUCH_S = 1e-9


class AnnotationError(SeizureError):
    """An annotation file does not follow the expected format or is inconsistent."""


@dataclass(frozen=True)
class Event:
    """One annotated interval.

    Parameters
    ----------
    start, stop : float
        Seconds from the start of the recording, ``stop > start``.
    label : str
        TUSZ label (``seiz``, ``bckg``, ``fnsz``, ...).
    channel : str
        Montage channel (``FP1-F7``) or ``TERM`` for a recording-level event.
    confidence : float
        Annotator confidence or detector probability in [0, 1].
    """

    start: float
    stop: float
    label: str
    channel: str = TERM
    confidence: float = 1.0

    @property
    def duration(self) -> float:
        """Seconds."""
        return self.stop - self.start


@dataclass
class Annotation:
    """The events of one recording, whatever file they came from.

    Parameters
    ----------
    bname : str
        Recording name (EDF file stem).
    duration : float
        Recording duration in seconds.
    events : list of Event
        Recording-level (channel ``TERM``) and/or per-channel events, background included when
        the file lists it.
    """

    bname: str
    duration: float
    events: list[Event] = field(default_factory=list)

    def seizures(self) -> list[Event]:
        """Seizure events as listed (any channel), sorted by start, ``nesz`` excluded."""
        return sorted((e for e in self.events if is_seizure(e.label)), key=lambda e: e.start)

    @property
    def channels(self) -> list[str]:
        """Channels named by the events, in first-use order (``TERM`` for recording level)."""
        return list(dict.fromkeys(e.channel for e in self.events))

    def recording_seizures(self) -> list[Event]:
        """Recording-level seizures: ``TERM`` events, else the union over channels.

        Per-channel files (``.csv``, ``.lbl``) give a seizure wherever any channel has one, as
        TUH derives its ``_bi`` files; merged intervals keep the label when all parts agree and
        become ``seiz`` otherwise.
        """
        seiz = self.seizures()
        term = [e for e in seiz if e.channel == TERM]
        if term or not seiz:
            return term
        return merge_intervals(seiz)


def normalize_label(label: str) -> str:
    """Lower-case, stripped label with the documented alias ``bkgd -> bckg``.

    Parameters
    ----------
    label : str
        A label as written in a file (``SEIZ``, `` fnsz``, ``bkgd``).

    Returns
    -------
    str
        The label of the TUSZ vocabulary; an unknown label is returned normalized, not refused
        (:func:`validate_events` refuses it).
    """
    key = label.strip().lower()
    return _ALIASES.get(key, key)


def is_seizure(label: str) -> bool:
    """True for epileptic seizure labels (``nesz`` and ``bckg`` are not).

    Parameters
    ----------
    label : str
        A normalized label (:func:`normalize_label`).

    Returns
    -------
    bool
        Whether ``label`` is in :data:`SEIZURE_LABELS`.
    """
    return label in SEIZURE_LABELS


def merge_intervals(events: list[Event]) -> list[Event]:
    """Union of overlapping/touching events as ``TERM`` events (max confidence kept).

    Parameters
    ----------
    events : list of Event
        Events of one recording on any channels, in any order.

    Returns
    -------
    list of Event
        Sorted, disjoint ``TERM`` events; a merged event keeps the label when all its parts
        agree and is ``seiz`` otherwise.
    """
    out: list[Event] = []
    for ev in sorted(events, key=lambda e: e.start):
        if out and ev.start <= out[-1].stop + _TOUCH_S:
            last = out[-1]
            label = last.label if last.label == ev.label else "seiz"
            out[-1] = Event(last.start, max(last.stop, ev.stop), label, TERM, max(last.confidence, ev.confidence))
        else:
            out.append(Event(ev.start, ev.stop, ev.label, TERM, ev.confidence))
    return out


def with_background(events: list[Event], duration: float, channel: str) -> list[Event]:
    """Segment ``[0, duration]`` fully: the given non-``bckg`` events with ``bckg`` in the gaps.

    Parameters
    ----------
    events : list of Event
        Events of one channel (``bckg`` events are dropped and regenerated).
    duration : float
        Recording duration, seconds.
    channel : str
        Channel written on every returned event.

    Returns
    -------
    list of Event
        Sorted events covering ``[0, duration]``.
    """
    out: list[Event] = []
    t = 0.0
    for ev in sorted((e for e in events if e.label != "bckg"), key=lambda e: e.start):
        if ev.start > t + _TOUCH_S:
            out.append(Event(t, ev.start, "bckg", channel, 1.0))
        out.append(Event(ev.start, ev.stop, ev.label, channel, ev.confidence))
        t = max(t, ev.stop)
    if t < duration - _TOUCH_S:
        out.append(Event(t, duration, "bckg", channel, 1.0))
    return out


def validate_events(
    events: list[Event],
    duration: float | None,
    source: str,
    allowed_labels: frozenset[str] | None = None,
    lines: list[int] | None = None,
) -> None:
    """Check labels, bounds and overlaps; raise :class:`AnnotationError` naming file and line.

    Parameters
    ----------
    events : list of Event
        The events read from ``source``.
    duration : float or None
        Recording duration in seconds (``None``: no upper bound check).
    source : str
        File name for the messages.
    allowed_labels : frozenset of str, optional
        Labels the format allows (default: the whole TUSZ vocabulary, :data:`KNOWN_LABELS`).
    lines : list of int, optional
        Line number of each event in ``source``.

    Raises
    ------
    AnnotationError
        For an unknown label, ``stop <= start``, an event outside ``[0, duration]`` (with
        :data:`BOUND_TOLERANCE_S` of slack), a confidence outside [0, 1] or overlapping events on
        one channel.
    """
    allowed = allowed_labels or KNOWN_LABELS
    where = [f"{source}:{n}" for n in lines] if lines else [source] * len(events)
    for ev, at in zip(events, where):
        if ev.label not in allowed:
            raise AnnotationError(f"{at}: unknown label {ev.label!r}; expected one of {sorted(allowed)}")
        if not ev.stop > ev.start:
            raise AnnotationError(f"{at}: stop_time {ev.stop} must be greater than start_time {ev.start}")
        if ev.start < -BOUND_TOLERANCE_S or (duration is not None and ev.stop > duration + BOUND_TOLERANCE_S):
            raise AnnotationError(
                f"{at}: event {ev.label} [{ev.start}, {ev.stop}] on {ev.channel} lies outside the "
                f"recording duration {duration} s"
            )
        if not 0.0 <= ev.confidence <= 1.0:
            raise AnnotationError(f"{at}: confidence {ev.confidence} is outside [0, 1]")
    by_channel: dict[str, list[tuple[Event, str]]] = {}
    for ev, at in zip(events, where):
        by_channel.setdefault(ev.channel, []).append((ev, at))
    for channel, evs in by_channel.items():
        evs.sort(key=lambda p: p[0].start)
        for (a, _), (b, at) in zip(evs, evs[1:]):
            if b.start < a.stop - BOUND_TOLERANCE_S:
                kind = "recording-level" if channel == TERM else f"channel {channel}"
                raise AnnotationError(
                    f"{at}: overlapping {kind} events {a.label} [{a.start}, {a.stop}] and "
                    f"{b.label} [{b.start}, {b.stop}]"
                )
