"""NEDC-conformant scoring of reference/hypothesis pairs (``nedc_eeg_eval`` v6.0.0).

The metrics live in their own modules (:mod:`~seizure.scoring.ovlp`,
:mod:`~seizure.scoring.taes`, :mod:`~seizure.scoring.epoch`, :mod:`~seizure.scoring.dpalign`,
:mod:`~seizure.scoring.ira`); this module keeps the pair-level entry points
:func:`count_pair` and :func:`score_pairs`.

Every file is first turned into a *label track* (:func:`~seizure.scoring.events.label_track`);
both labels are scored (``seiz`` and ``bckg`` rows) and the figures quoted in the literature
are the ``seiz`` row. False alarms per 24 hours are always computed over the summed duration
of *all* scored recordings, seizure-free ones included.

Examples
--------
>>> from seizure.io.annotations import Event
>>> from seizure.scoring import ovlp, taes
>>> ref = [Event(1, 3, "seiz"), Event(4, 5, "seiz"), Event(7, 8, "seiz")]
>>> hyp = [Event(2, 9, "seiz")]
>>> ovlp(ref, hyp, 10.0)["seiz"]
Counts(targets=3.0, hits=3.0, misses=0.0, false_alarms=0.0)
>>> taes(ref, hyp, 10.0)["seiz"]
Counts(targets=3.0, hits=0.5, misses=2.5, false_alarms=1.0)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from seizure.io.events import Annotation
from seizure.scoring.corpus import COUNT_METRICS, check_metrics, corpus_counts, score_corpus
from seizure.scoring.events import LABELS, ScoringError
from seizure.scoring.summary import Counts

__all__ = ["count_pair", "score_pairs"]


def count_pair(
    ref: Annotation, hyp: Annotation, metrics: Sequence[str] = ("ovlp", "taes")
) -> dict[str, dict[str, Counts]]:
    """Score one reference/hypothesis pair with several count metrics.

    Parameters
    ----------
    ref, hyp : Annotation
        Reference and hypothesis annotations of the same recording.
    metrics : sequence of str
        Any of ``"ovlp"``, ``"taes"``, ``"taes_exact"`` (TAES with exact-time overlap),
        ``"epoch"`` and ``"dpalign"``.

    Returns
    -------
    dict
        ``{metric: {"seiz": Counts, "bckg": Counts}}``.

    Raises
    ------
    ScoringError
        If a metric is unknown or has no counts, or the stated durations differ by more
        than :data:`~seizure.scoring.events.PAIR_DURATION_TOLERANCE_S` (the message names both
        files). Within the tolerance both tracks are built on the reference duration.
    """
    metrics = check_metrics(metrics)
    no_counts = [m for m in metrics if m not in COUNT_METRICS]
    if no_counts:
        raise ScoringError(f"metric(s) {no_counts} have no per-label counts; expected names from {list(COUNT_METRICS)}")
    counts = corpus_counts([(ref, hyp)], metrics)
    return {m: {label: Counts(*counts[m][label][0]) for label in LABELS} for m in metrics}


def score_pairs(
    pairs: Iterable[tuple[Annotation, Annotation]],
    metrics: Sequence[str] = ("ovlp", "taes"),
    **kwargs,
) -> dict:
    """Score a corpus of reference/hypothesis pairs as ``nedc_eeg_eval`` does.

    Parameters
    ----------
    pairs : iterable of (Annotation, Annotation)
        ``(reference, hypothesis)`` per recording; every recording counts towards the total
        duration, including seizure-free ones.
    metrics : sequence of str
        Names from :data:`seizure.scoring.METRICS` (``"ovlp"`` and ``"taes"`` by default).
    **kwargs
        Passed to :func:`seizure.scoring.corpus.score_corpus` (``subjects``, ``epoch_s``,
        ``szcore``, ``tolerance``).

    Returns
    -------
    dict
        ``{"n_files": int, "total_duration_s": float, "metrics": {metric: {"seiz":
        summarize(...), "bckg": summarize(...)}}}``. Counts are summed over files before
        the fractions are taken (micro-averaging, as the official tool does). ``seiz`` is
        the headline row.

    Raises
    ------
    ScoringError
        If a metric is unknown or the durations of a pair differ by more than the tolerance
        (the message names both files).
    """
    return score_corpus(pairs, metrics, **kwargs)
