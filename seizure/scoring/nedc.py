"""NEDC-conformant event scoring (the TUH reference scorer ``nedc_eeg_eval`` v6.0.0).

This module re-implements, from its documented and observed behaviour, the scoring that
Temple University's ``nedc_eeg_eval`` v6.0.0 applies to pairs of reference and hypothesis
``.csv_bi`` annotation files:

* **OVLP** (any-overlap) event scoring, :func:`ovlp`;
* **TAES** (time-aligned event scoring) with fractional counts, :func:`taes`;
* **EPOCH** scoring on 0.25 s epochs, :func:`epoch`.

Every file is first turned into a *label track* (:func:`label_track`): the events are mapped
to ``seiz``/``bckg``, sorted, the gaps and the tail are filled with ``bckg`` and consecutive
events with the same label are merged, so that the track covers ``[0, duration]``. Both labels
are scored (``seiz`` and ``bckg`` rows); the figures quoted in the literature are the ``seiz``
row. False alarms per 24 hours are always computed over the summed duration of *all* scored
recordings, seizure-free ones included.

Examples
--------
>>> from seizure.io.annotations import Event
>>> ref = [Event(1, 3, "seiz"), Event(4, 5, "seiz"), Event(7, 8, "seiz")]
>>> hyp = [Event(2, 9, "seiz")]
>>> ovlp(ref, hyp, 10.0)["seiz"]
Counts(targets=3.0, hits=3.0, misses=0.0, false_alarms=0.0)
>>> taes(ref, hyp, 10.0)["seiz"]
Counts(targets=3.0, hits=0.5, misses=2.5, false_alarms=1.0)
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, fields
from typing import Callable, Iterable, Sequence

import numpy as np

from seizure.io.annotations import KNOWN_LABELS, Annotation, Event, is_seizure

__all__ = [
    "SEIZ",
    "BCKG",
    "LABELS",
    "METRICS",
    "EPOCH_S",
    "DURATION_TOLERANCE_S",
    "Counts",
    "map_label",
    "label_track",
    "ovlp",
    "taes",
    "epoch",
    "count_pair",
    "summarize",
    "score_pairs",
]

#: The two classes of the official two-class parameter file.
SEIZ = "seiz"
BCKG = "bckg"
#: Scored labels, in the order the official tool reports them.
LABELS = (SEIZ, BCKG)
#: Metric names accepted by :func:`count_pair` and :func:`score_pairs`.
METRICS = ("ovlp", "taes", "taes_exact", "epoch")
#: Epoch length of the official EPOCH scoring (``epoch_duration`` in its parameter file).
EPOCH_S = 0.25
#: Largest accepted difference between the durations of a reference and a hypothesis file.
DURATION_TOLERANCE_S = 0.01

_SECONDS_PER_DAY = 86400.0
# The official tool rounds boundaries to 4 decimals when it fills gaps with background.
_DECIMALS = 4
_BACKGROUND_ALIASES = frozenset({"bckg", "bkgd", "nesz"})

Segment = tuple[float, float, str]


@dataclass
class Counts:
    """Event counts of one label, summed over files.

    Attributes
    ----------
    targets : float
        Number of reference events with this label.
    hits : float
        Detected reference events (fractional for TAES).
    misses : float
        Missed reference events (fractional for TAES).
    false_alarms : float
        False alarms (fractional for TAES; epochs for EPOCH).

    Notes
    -----
    For OVLP and EPOCH the counts are integers stored as floats. For TAES ``hits + misses``
    equals ``targets`` except in rare cases of the official algorithm (see :func:`taes`).
    """

    targets: float = 0.0
    hits: float = 0.0
    misses: float = 0.0
    false_alarms: float = 0.0

    def __post_init__(self) -> None:
        for f in fields(self):
            setattr(self, f.name, float(getattr(self, f.name)))

    def __add__(self, other: "Counts") -> "Counts":
        if not isinstance(other, Counts):
            return NotImplemented
        return Counts(
            self.targets + other.targets,
            self.hits + other.hits,
            self.misses + other.misses,
            self.false_alarms + other.false_alarms,
        )


def map_label(label: str) -> str:
    """Map a TUSZ label to the scored class.

    Parameters
    ----------
    label : str
        Any TUSZ label (case-insensitive).

    Returns
    -------
    str
        ``"seiz"`` for the epileptic seizure types (``seiz``, ``fnsz``, ``gnsz``, ...);
        ``"bckg"`` for ``bckg``/``bkgd`` and for ``nesz`` (non-epileptic seizures).

    Raises
    ------
    ValueError
        If the label is not in the TUSZ seizure vocabulary.
    """
    key = label.strip().lower()
    if is_seizure(key):
        return SEIZ
    if key in _BACKGROUND_ALIASES:
        return BCKG
    raise ValueError(
        f"unknown annotation label {label!r}; expected one of {sorted(KNOWN_LABELS | {'bkgd'})}"
    )


def label_track(events: Iterable[Event], duration: float) -> list[Segment]:
    """Build the NEDC label track of one file.

    Parameters
    ----------
    events : iterable of Event
        The file's events, in any order, on any channel. ``bckg``/``nesz`` events are
        ignored (background is whatever is not seizure).
    duration : float
        Recording duration in seconds (the file header).

    Returns
    -------
    list of (start, stop, label)
        Segments covering ``[0, duration]`` in time order, alternating ``seiz``/``bckg``.

    Raises
    ------
    ValueError
        If ``duration`` is not positive or a label is unknown.

    Notes
    -----
    Mirrors the official pre-processing: seizure events are sorted by start, a ``bckg``
    filler is inserted wherever the start of an event (rounded to 4 decimals) differs from
    the end of the previous one (rounded likewise), a ``bckg`` tail runs to the rounded
    duration, and consecutive events with the same label are merged. Seizure events keep
    their exact times; fillers use the rounded ones. Seizure events that overlap (e.g. the
    same seizure on several channels of a per-channel ``.csv`` file) are unioned, and
    events are clipped to ``[0, duration]``; the official tool assumes well-formed
    ``.csv_bi`` input and has no defined behaviour for these cases.
    """
    duration = float(duration)
    if not duration > 0 or not math.isfinite(duration):
        raise ValueError(f"duration must be a positive number of seconds, got {duration!r}")
    spans = []
    for ev in events:
        if map_label(ev.label) != SEIZ:
            continue
        start, stop = max(0.0, float(ev.start)), min(duration, float(ev.stop))
        if stop > start:
            spans.append([start, stop])
    spans.sort()
    merged: list[list[float]] = []
    for start, stop in spans:
        if merged and round(start, _DECIMALS) <= round(merged[-1][1], _DECIMALS):
            merged[-1][1] = max(merged[-1][1], stop)
        else:
            merged.append([start, stop])
    track: list[Segment] = []
    now = 0.0
    for start, stop in merged:
        begin = round(start, _DECIMALS)
        if begin > now:
            track.append((now, begin, BCKG))
        track.append((start, stop, SEIZ))
        now = round(stop, _DECIMALS)
    end = round(duration, _DECIMALS)
    if end > now:
        track.append((now, end, BCKG))
    return track


class _Track:
    """A label track with indexes for fast overlap queries."""

    def __init__(self, segments: Sequence[Segment]):
        self.seg = list(segments)
        self.starts = [s[0] for s in self.seg]
        self.stops = [s[1] for s in self.seg]
        self.labels = [s[2] for s in self.seg]
        # Running maximum of stops and running minimum (from the right) of starts are
        # monotone even for degenerate tracks, so bisection gives a safe candidate window.
        self._max_stop = list(np.maximum.accumulate(self.stops)) if self.seg else []
        self._min_start = (
            list(np.minimum.accumulate(self.starts[::-1])[::-1]) if self.seg else []
        )

    def __len__(self) -> int:
        return len(self.seg)

    def strict(self, start: float, stop: float) -> list[int]:
        """Indexes of segments overlapping ``(start, stop)`` strictly, in time order."""
        lo = bisect.bisect_right(self._max_stop, start)
        hi = bisect.bisect_left(self._min_start, stop)
        return [k for k in range(lo, hi) if self.stops[k] > start and self.starts[k] < stop]

    def seconds(self, start: float, stop: float) -> list[int]:
        """Indexes of segments sharing a whole second with ``[start, stop]``, in time order."""
        first, last = math.floor(start), math.floor(stop)
        lo = bisect.bisect_left(self._max_stop, first)
        hi = bisect.bisect_left(self._min_start, last + 1)
        return [
            k
            for k in range(lo, hi)
            if math.floor(self.stops[k]) >= first and math.floor(self.starts[k]) <= last
        ]


def _empty() -> dict[str, Counts]:
    return {label: Counts() for label in LABELS}


def _ovlp_tracks(ref: _Track, hyp: _Track) -> dict[str, Counts]:
    out = _empty()
    for (start, stop, label) in ref.seg:
        c = out[label]
        c.targets += 1
        if any(hyp.labels[k] == label for k in hyp.strict(start, stop)):
            c.hits += 1
        else:
            c.misses += 1
    for (start, stop, label) in hyp.seg:
        if not any(ref.labels[k] == label for k in ref.strict(start, stop)):
            out[label].false_alarms += 1
    return out


def _partial(ref: Segment, hyp: Segment) -> tuple[float, float]:
    """TAES hit and false-alarm fractions of one hypothesis against one reference."""
    r0, r1 = ref[0], ref[1]
    h0, h1 = hyp[0], hyp[1]
    span = r1 - r0
    if h0 <= r0 and h1 <= r1:  # starts early, ends inside (or before)
        return (h1 - r0) / span, min((r0 - h0) / span, 1.0)
    if h0 >= r0 and h1 >= r1:  # starts inside (or after), ends late
        return (r1 - h0) / span, min((h1 - r1) / span, 1.0)
    if h0 < r0 and h1 > r1:  # covers the whole reference
        return 1.0, min(((h1 - r1) + (r0 - h0)) / span, 1.0)
    return (h1 - h0) / span, 0.0  # inside the reference


def _taes_tracks(ref: _Track, hyp: _Track, exact: bool) -> dict[str, Counts]:
    out = _empty()
    touch_hyp: Callable[[float, float], list[int]] = hyp.strict if exact else hyp.seconds
    touch_ref: Callable[[float, float], list[int]] = ref.strict if exact else ref.seconds
    ref_free = [True] * len(ref)
    hyp_free = [True] * len(hyp)
    for i, r in enumerate(ref.seg):
        label = r[2]
        c = out[label]
        c.targets += 1
        if not ref_free[i]:
            continue
        # Scored only if a hypothesis of the same label really overlaps the reference.
        if not any(hyp.labels[k] == label for k in hyp.strict(r[0], r[1])):
            continue
        candidates = touch_hyp(r[0], r[1])
        for j in candidates:
            if hyp.labels[j] != label or not hyp_free[j]:
                continue
            h = hyp.seg[j]
            hit, fa = _partial(r, h)
            miss = 1.0 - hit
            ref_free[i] = False
            hyp_free[j] = False
            if h[1] >= r[1]:
                # The hypothesis runs past the reference: later references it touches
                # are used up as misses.
                for k in touch_ref(h[0], h[1]):
                    if k > i and ref.labels[k] == label:
                        ref_free[k] = False
                        miss += 1.0
            else:
                # The reference outlasts the hypothesis: later hypotheses touching the
                # reference add their partial hits and false alarms.
                for k in candidates:
                    if k > j and hyp.labels[k] == label:
                        hyp_free[k] = False
                        more_hit, more_fa = _partial(r, hyp.seg[k])
                        hit += more_hit
                        miss -= more_hit
                        fa += more_fa
            c.hits += hit
            c.misses += miss
            c.false_alarms += fa
    for i, free in enumerate(ref_free):
        if free:
            out[ref.labels[i]].misses += 1
    for j, free in enumerate(hyp_free):
        if free:
            out[hyp.labels[j]].false_alarms += 1
    return out


def _epoch_labels(track: _Track, times: np.ndarray) -> np.ndarray:
    """Label index (0 = seiz, 1 = bckg) of the first segment containing each time."""
    starts = np.asarray(track.starts)
    stops = np.asarray(track.stops)
    codes = np.array([LABELS.index(lab) for lab in track.labels])
    # First segment whose stop is >= t (stops are increasing on a label track);
    # the official lookup falls back to the last segment when no segment contains t.
    idx = np.searchsorted(np.asarray(track._max_stop), times, side="left")
    idx = np.minimum(idx, len(track) - 1)
    inside = (starts[idx] <= times) & (stops[idx] >= times)
    idx = np.where(inside, idx, len(track) - 1)
    return codes[idx]


def _epoch_tracks(ref: _Track, hyp: _Track, duration: float, epoch_s: float) -> dict[str, Counts]:
    n_max = int(duration / epoch_s) + 2
    times = epoch_s / 2.0 + np.arange(n_max) * epoch_s
    times = times[times <= ref.stops[-1]]
    r = _epoch_labels(ref, times)
    h = _epoch_labels(hyp, times)
    conf = np.zeros((2, 2), dtype=np.int64)
    np.add.at(conf, (r, h), 1)
    out = _empty()
    for a, label in enumerate(LABELS):
        b = 1 - a
        out[label] = Counts(
            targets=conf[a].sum(),
            hits=conf[a, a],
            misses=conf[a, b],
            false_alarms=conf[b, a],
        )
    return out


def _check_duration(duration: float) -> float:
    duration = float(duration)
    if not duration > 0 or not math.isfinite(duration):
        raise ValueError(f"duration must be a positive number of seconds, got {duration!r}")
    return duration


def ovlp(ref: Sequence[Event], hyp: Sequence[Event], duration: float) -> dict[str, Counts]:
    """OVLP (any-overlap) scoring of one file.

    Parameters
    ----------
    ref, hyp : sequence of Event
        Reference and hypothesis events of the same recording.
    duration : float
        Recording duration in seconds.

    Returns
    -------
    dict
        ``{"seiz": Counts, "bckg": Counts}`` for this file.

    Notes
    -----
    Both files are turned into label tracks (:func:`label_track`). Overlap is strict:
    ``h.stop > r.start and h.start < r.stop`` (touching endpoints do not overlap). A
    reference event is a hit if any hypothesis event of the same label overlaps it, else a
    miss; a hypothesis event is a false alarm if it overlaps no reference event of its
    label. So one hypothesis spanning two seizures gives two hits and no false alarm, and
    several hypotheses inside one seizure give one hit and no false alarm.
    """
    duration = _check_duration(duration)
    return _ovlp_tracks(_Track(label_track(ref, duration)), _Track(label_track(hyp, duration)))


def taes(
    ref: Sequence[Event], hyp: Sequence[Event], duration: float, exact: bool = False
) -> dict[str, Counts]:
    """TAES (time-aligned event scoring) of one file, with fractional counts.

    Parameters
    ----------
    ref, hyp : sequence of Event
        Reference and hypothesis events of the same recording.
    duration : float
        Recording duration in seconds.
    exact : bool
        If False (default) reproduce the official tool, which decides whether two events
        touch by the whole seconds they span (see Notes). If True use exact-time strict
        overlap instead.

    Returns
    -------
    dict
        ``{"seiz": Counts, "bckg": Counts}`` for this file (fractional).

    Notes
    -----
    Reference events are visited in time order. A reference event is scored only if a
    hypothesis event of its label strictly overlaps it and it has not been used up yet.
    For each unused hypothesis event of the same label that *touches* it, with reference
    duration ``D``:

    * hit = overlapped time / ``D`` and false alarm = hypothesis time outside the
      reference / ``D``, capped at 1; miss = 1 - hit;
    * if the hypothesis ends at or after the reference's end, every later reference event
      of the same label that it touches is used up and counted as one more miss;
    * otherwise every later hypothesis event of the same label that touches the reference
      is used up and adds its own hit and false-alarm fractions (the miss shrinks by the
      added hit).

    Reference events never scored count as one miss each; hypothesis events never used
    count as one false alarm each. Counts are booked under the reference event's label.

    **Whole-second overlap test.** The official ``nedc_eeg_eval`` v6.0.0 decides that a
    reference ``[r0, r1]`` and a hypothesis ``[h0, h1]`` touch when the integer ranges
    ``int(r0)..int(r1)`` and ``int(h0)..int(h1)`` share a value, not when the intervals
    overlap in time. Events that only come within the same second therefore interact: a
    hypothesis ``[10.85, 11.5]`` touches a reference ``[10.2, 10.8]`` and contributes a
    *negative* hit of ``(10.8 - 10.85) / 0.6`` and a false alarm capped at 1. With the
    default ``exact=False`` this behaviour is reproduced, so results match the official
    tool; ``exact=True`` uses ``h1 > r0 and h0 < r1`` throughout (results then depend
    only on the actual overlaps, but no longer match the published tool).

    Examples
    --------
    The worked example of the metric's description: references [1, 3], [4, 5], [7, 8] s and
    one hypothesis [2, 9] s in a 10 s file give TP 0.5, FN 2.5, FA 1.0.

    >>> from seizure.io.annotations import Event
    >>> ref = [Event(1, 3, "seiz"), Event(4, 5, "seiz"), Event(7, 8, "seiz")]
    >>> taes(ref, [Event(2, 9, "seiz")], 10.0)["seiz"]
    Counts(targets=3.0, hits=0.5, misses=2.5, false_alarms=1.0)
    """
    duration = _check_duration(duration)
    return _taes_tracks(
        _Track(label_track(ref, duration)), _Track(label_track(hyp, duration)), exact
    )


def epoch(
    ref: Sequence[Event], hyp: Sequence[Event], duration: float, epoch_s: float = EPOCH_S
) -> dict[str, Counts]:
    """EPOCH scoring of one file.

    Parameters
    ----------
    ref, hyp : sequence of Event
        Reference and hypothesis events of the same recording.
    duration : float
        Recording duration in seconds.
    epoch_s : float
        Epoch length in seconds (0.25 in the official parameter file).

    Returns
    -------
    dict
        ``{"seiz": Counts, "bckg": Counts}`` in epochs.

    Notes
    -----
    Both label tracks are sampled at ``epoch_s / 2 + i * epoch_s`` for every such time up
    to the duration (a time on a boundary takes the earlier segment's label) and the 2x2
    confusion matrix is counted. For each label, targets are its reference epochs, hits the
    diagonal cell, misses the epochs hypothesised as the other label and false alarms the
    epochs of the other reference label hypothesised as this one (the confusion matrix's
    false positives). The official report prints 0 "False Alarms" for the null class
    ``bckg`` but uses these false positives for its precision and false-alarm rate; here
    they are the ``bckg`` false alarms, so every derived figure matches. Convert to
    FA/24h with ``summarize(..., epoch_s=epoch_s)``.
    """
    duration = _check_duration(duration)
    if not epoch_s > 0:
        raise ValueError(f"epoch_s must be positive, got {epoch_s!r}")
    return _epoch_tracks(
        _Track(label_track(ref, duration)), _Track(label_track(hyp, duration)), duration, epoch_s
    )


def count_pair(
    ref: Annotation, hyp: Annotation, metrics: Sequence[str] = ("ovlp", "taes")
) -> dict[str, dict[str, Counts]]:
    """Score one reference/hypothesis pair with several metrics.

    Parameters
    ----------
    ref, hyp : Annotation
        Reference and hypothesis annotations of the same recording.
    metrics : sequence of str
        Any of ``"ovlp"``, ``"taes"``, ``"taes_exact"`` (TAES with exact-time overlap) and
        ``"epoch"``.

    Returns
    -------
    dict
        ``{metric: {"seiz": Counts, "bckg": Counts}}``.

    Raises
    ------
    ValueError
        If a metric is unknown, or the stated durations differ by more than
        :data:`DURATION_TOLERANCE_S` (the message names both files). Within the tolerance
        both tracks are built on the reference duration.
    """
    _check_metrics(metrics)
    if abs(float(ref.duration) - float(hyp.duration)) > DURATION_TOLERANCE_S:
        raise ValueError(
            f"durations differ: reference {ref.bname!r} states {ref.duration} s, hypothesis "
            f"{hyp.bname!r} states {hyp.duration} s (tolerance {DURATION_TOLERANCE_S} s)"
        )
    duration = _check_duration(ref.duration)
    try:
        ref_track = _Track(label_track(ref.events, duration))
    except ValueError as exc:
        raise ValueError(f"reference {ref.bname!r}: {exc}") from None
    try:
        hyp_track = _Track(label_track(hyp.events, duration))
    except ValueError as exc:
        raise ValueError(f"hypothesis {hyp.bname!r}: {exc}") from None
    out: dict[str, dict[str, Counts]] = {}
    for name in metrics:
        if name == "ovlp":
            out[name] = _ovlp_tracks(ref_track, hyp_track)
        elif name == "taes":
            out[name] = _taes_tracks(ref_track, hyp_track, exact=False)
        elif name == "taes_exact":
            out[name] = _taes_tracks(ref_track, hyp_track, exact=True)
        else:
            out[name] = _epoch_tracks(ref_track, hyp_track, duration, EPOCH_S)
    return out


def _check_metrics(metrics: Sequence[str]) -> None:
    if isinstance(metrics, str):
        raise ValueError(f"metrics must be a sequence of names, got the string {metrics!r}")
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric(s) {unknown}; expected names from {list(METRICS)}")


def _ratio(num: float, den: float) -> float | None:
    return None if den == 0 else num / den


def summarize(
    counts: Counts,
    total_duration_s: float,
    *,
    true_negatives: float | None = None,
    epoch_s: float | None = None,
) -> dict:
    """Derived figures of one label's counts.

    Parameters
    ----------
    counts : Counts
        Counts of one label, summed over files.
    total_duration_s : float
        Summed duration of *all* scored recordings (with or without seizures), seconds.
    true_negatives : float, optional
        The official tool's true negatives for this label: the summed hits of the other
        labels. When given, ``specificity`` is computed.
    epoch_s : float, optional
        For EPOCH counts: each false alarm stands for ``epoch_s`` seconds of false-alarm
        time, so ``fa_per_24h = false_alarms * epoch_s / total_duration_s * 86400``.

    Returns
    -------
    dict
        ``targets``, ``hits``, ``misses``, ``false_alarms`` (copied), and the fractions
        ``sensitivity = hits / (hits + misses)``, ``precision = hits / (hits +
        false_alarms)``, ``f1 = 2 hits / (2 hits + false_alarms + misses)`` (the harmonic
        mean of the two), ``specificity = TN / (TN + false_alarms)``, and
        ``fa_per_24h = false_alarms / total_duration_s * 86400``. A figure is None where it
        is undefined (0/0, no duration, or no ``true_negatives`` given); the official tool
        prints 0 there.
    """
    tp, fn, fp = counts.hits, counts.misses, counts.false_alarms
    total = float(total_duration_s)
    scale = 1.0 if epoch_s is None else float(epoch_s)
    return {
        "targets": counts.targets,
        "hits": tp,
        "misses": fn,
        "false_alarms": fp,
        "sensitivity": _ratio(tp, tp + fn),
        "precision": _ratio(tp, tp + fp),
        "f1": _ratio(2.0 * tp, 2.0 * tp + fp + fn),
        "specificity": None if true_negatives is None else _ratio(true_negatives, true_negatives + fp),
        "fa_per_24h": _ratio(fp * scale * _SECONDS_PER_DAY, total) if total > 0 else None,
    }


def score_pairs(
    pairs: Iterable[tuple[Annotation, Annotation]],
    metrics: Sequence[str] = ("ovlp", "taes"),
) -> dict:
    """Score a corpus of reference/hypothesis pairs as ``nedc_eeg_eval`` does.

    Parameters
    ----------
    pairs : iterable of (Annotation, Annotation)
        ``(reference, hypothesis)`` per recording; every recording counts towards the total
        duration, including seizure-free ones.
    metrics : sequence of str
        Any of ``"ovlp"``, ``"taes"``, ``"taes_exact"`` and ``"epoch"``.

    Returns
    -------
    dict
        ``{"n_files": int, "total_duration_s": float, "metrics": {metric: {"seiz":
        summarize(...), "bckg": summarize(...)}}}``. Counts are summed over files before
        the fractions are taken (micro-averaging, as the official tool does). ``seiz`` is
        the headline row.

    Raises
    ------
    ValueError
        If a metric is unknown or the durations of a pair differ by more than
        :data:`DURATION_TOLERANCE_S` seconds (the message names both files).
    """
    metrics = tuple(metrics)
    _check_metrics(metrics)
    totals = {m: _empty() for m in metrics}
    n_files = 0
    total_duration = 0.0
    for ref, hyp in pairs:
        per_file = count_pair(ref, hyp, metrics)
        for m in metrics:
            for label in LABELS:
                totals[m][label] = totals[m][label] + per_file[m][label]
        n_files += 1
        total_duration += float(ref.duration)
    result: dict[str, dict] = {}
    for m in metrics:
        rows = {}
        for label in LABELS:
            others = sum(totals[m][o].hits for o in LABELS if o != label)
            rows[label] = summarize(
                totals[m][label],
                total_duration,
                true_negatives=others,
                epoch_s=EPOCH_S if m == "epoch" else None,
            )
        result[m] = rows
    return {"n_files": n_files, "total_duration_s": total_duration, "metrics": result}
