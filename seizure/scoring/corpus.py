"""Score a corpus of reference/hypothesis pairs with every metric at once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from seizure.io.events import Annotation
from seizure.io.references import subject_of
from seizure.scoring.dpalign import dpalign_tracks
from seizure.scoring.epoch import epoch_confusion, epoch_counts
from seizure.scoring.events import (
    EPOCH_S,
    LABELS,
    PAIR_DURATION_TOLERANCE_S,
    ScoringError,
    build_tracks,
    seizure_spans,
)
from seizure.scoring.ira import kappa
from seizure.scoring.ovlp import ovlp_tracks
from seizure.scoring.summary import Counts, label_rows
from seizure.scoring.szcore import (
    Spans,
    SzcoreParams,
    aggregate,
    event_counts,
    sample_counts,
)
from seizure.scoring.taes import taes_tracks

__all__ = [
    "METRICS",
    "COUNT_METRICS",
    "DEFAULT_METRICS",
    "check_metrics",
    "corpus_counts",
    "score_corpus",
]

#: Metrics with per-label counts (rows ``seiz`` and ``bckg``).
COUNT_METRICS = ("ovlp", "taes", "taes_exact", "epoch", "dpalign")
#: Every metric name accepted by :func:`score_corpus`.
METRICS = COUNT_METRICS + ("ira", "szcore_event", "szcore_sample")
#: The metrics of ``seizure score`` by default (the JSON structure of the documentation).
DEFAULT_METRICS = ("ovlp", "taes", "epoch", "dpalign", "ira", "szcore_event", "szcore_sample")


def check_metrics(metrics: Sequence[str]) -> tuple[str, ...]:
    """Validate metric names; returns them as a tuple without duplicates.

    Parameters
    ----------
    metrics : sequence of str
        Names from :data:`METRICS`, in the order wanted.

    Returns
    -------
    tuple of str
        The names in their first-seen order, each once.

    Raises
    ------
    ScoringError
        For a string instead of a sequence, or an unknown name (with the allowed names).
    """
    if isinstance(metrics, str):
        raise ScoringError(f"metrics must be a sequence of names, got the string {metrics!r}")
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise ScoringError(f"unknown metric(s) {unknown}; expected names from {list(METRICS)}")
    return tuple(dict.fromkeys(metrics))


def corpus_counts(
    pairs: Iterable[tuple[Annotation, Annotation]],
    metrics: Sequence[str] = DEFAULT_METRICS,
    *,
    epoch_s: float = EPOCH_S,
    szcore: SzcoreParams = SzcoreParams(),
    tolerance: float = PAIR_DURATION_TOLERANCE_S,
) -> dict:
    """Per-file counts of every requested metric.

    Parameters
    ----------
    pairs : iterable of (Annotation, Annotation)
        ``(reference, hypothesis)`` per recording.
    metrics : sequence of str
        Names from :data:`METRICS`.
    epoch_s : float
        Epoch length of EPOCH and IRA, seconds.
    szcore : SzcoreParams
        SzCORE parameters.
    tolerance : float
        Largest accepted duration difference within a pair, seconds.

    Returns
    -------
    dict
        ``durations`` (n_files,), ``names`` (reference bnames) and, per metric: for count
        metrics ``{label: ndarray (n_files, 4)}``; for ``ira`` the epoch confusion matrices
        (n_files, 2, 2); for SzCORE metrics the per-file count arrays of
        :func:`seizure.scoring.szcore.event_counts` / ``sample_counts``.

    Raises
    ------
    ScoringError
        For an unknown metric, a duration mismatch or an unknown label (naming the file).
    """
    metrics = check_metrics(metrics)
    pairs = list(pairs)
    ref_t, hyp_t, durations = build_tracks(pairs, tolerance)
    out: dict = {"durations": durations, "names": [r.bname for r, _ in pairs]}
    if "ovlp" in metrics:
        out["ovlp"] = ovlp_tracks(ref_t, hyp_t)
    if "taes" in metrics:
        out["taes"] = taes_tracks(ref_t, hyp_t, exact=False)
    if "taes_exact" in metrics:
        out["taes_exact"] = taes_tracks(ref_t, hyp_t, exact=True)
    if "epoch" in metrics or "ira" in metrics:
        conf = epoch_confusion(ref_t, hyp_t, durations, epoch_s)
        if "epoch" in metrics:
            out["epoch"] = epoch_counts(conf)
        if "ira" in metrics:
            out["ira"] = conf
    if "dpalign" in metrics:
        out["dpalign"], _ = dpalign_tracks(ref_t, hyp_t)
    if "szcore_event" in metrics or "szcore_sample" in metrics:
        ref_s = Spans.from_lists([seizure_spans(r.events) for r, _ in pairs])
        hyp_s = Spans.from_lists([seizure_spans(h.events) for _, h in pairs])
        if "szcore_event" in metrics:
            out["szcore_event"] = event_counts(ref_s, hyp_s, durations, szcore)
        if "szcore_sample" in metrics:
            out["szcore_sample"] = sample_counts(ref_s, hyp_s, durations, szcore.sample_fs)
    return out


def score_corpus(
    pairs: Iterable[tuple[Annotation, Annotation]],
    metrics: Sequence[str] = DEFAULT_METRICS,
    *,
    subjects: Sequence[str] | None = None,
    epoch_s: float = EPOCH_S,
    szcore: SzcoreParams = SzcoreParams(),
    tolerance: float = PAIR_DURATION_TOLERANCE_S,
) -> dict:
    """Score a corpus of reference/hypothesis pairs.

    Parameters
    ----------
    pairs : iterable of (Annotation, Annotation)
        ``(reference, hypothesis)`` per recording; every recording counts towards the total
        duration, seizure-free ones included.
    metrics : sequence of str
        Names from :data:`METRICS`: ``ovlp``, ``taes``, ``taes_exact`` (TAES with exact
        overlap), ``epoch``, ``dpalign``, ``ira``, ``szcore_event``, ``szcore_sample``.
    subjects : sequence of str, optional
        Subject of each recording, for the SzCORE per-subject figures; by default derived
        from the reference bnames with :func:`seizure.io.references.subject_of`.
    epoch_s : float
        Epoch length of EPOCH and IRA (0.25 s, as the official parameter file).
    szcore : SzcoreParams
        SzCORE parameters (``timescoring`` 0.0.7 defaults).
    tolerance : float
        Largest accepted duration difference within a pair, seconds.

    Returns
    -------
    dict
        ``{"n_files": int, "total_duration_s": float, "metrics": {...}}`` where each
        count metric is ``{"seiz": row, "bckg": row}`` with ``row`` =
        :func:`seizure.scoring.summary.summarize` (counts summed over files first, as the
        official tool does); ``ira`` is ``{"seiz": {"kappa"}, "bckg": {"kappa"},
        "multi_class_kappa"}``; ``szcore_event`` and ``szcore_sample`` are
        :func:`seizure.scoring.szcore.aggregate`. Undefined figures are None.

    Raises
    ------
    ScoringError
        For an unknown metric, a duration mismatch or an unknown label (naming the file).
    """
    metrics = check_metrics(metrics)
    counts = corpus_counts(pairs, metrics, epoch_s=epoch_s, szcore=szcore, tolerance=tolerance)
    durations = counts["durations"]
    total = float(durations.sum())
    if subjects is None:
        subjects = [subject_of(name) for name in counts["names"]]
    result: dict = {}
    for m in metrics:
        if m in COUNT_METRICS:
            summed = {label: Counts(*counts[m][label].sum(axis=0)) for label in LABELS}
            result[m] = label_rows(summed, total, epoch_s=epoch_s if m == "epoch" else None)
        elif m == "ira":
            result[m] = kappa(counts[m].sum(axis=0))
        elif m == "szcore_event":
            result[m] = aggregate(counts[m], szcore.event_fs, subjects)
        else:
            result[m] = aggregate(counts[m], szcore.sample_fs, subjects)
    return {"n_files": len(durations), "total_duration_s": total, "metrics": result}
