"""Scoring of seizure detections against reference annotations.

NEDC-conformant scorers (the TUH reference ``nedc_eeg_eval`` v6.0.0), per label with the
``seiz`` row as the headline:

* :func:`ovlp` (any-overlap), :func:`taes` (time-aligned, fractional; official whole-second
  overlap test, or exact overlap with ``exact=True`` / metric ``taes_exact``),
  :func:`epoch` (0.25 s epochs), :func:`dpalign` (edit-distance alignment) and IRA
  (:func:`kappa` on the epoch confusion matrix).

SzCORE scorers identical to ``timescoring`` 0.0.7: :func:`szcore_event` and
:func:`szcore_sample`, pooled and per subject in :func:`score_corpus`.

:func:`score_corpus` (alias :func:`score_pairs`) scores a corpus with any set of these metrics
at once; every scorer works on all files together (see :mod:`seizure.scoring.intervals`).
SzCORE subjects come from :func:`subject_of` (:mod:`seizure.io.references`, the project's one
subject rule). Bad scoring input raises :class:`ScoringError` (a ``SeizureError``).
"""

from seizure.io.references import subject_of
from seizure.scoring.corpus import COUNT_METRICS, DEFAULT_METRICS, METRICS, corpus_counts, score_corpus
from seizure.scoring.dpalign import align, dpalign
from seizure.scoring.epoch import epoch, epoch_confusion
from seizure.scoring.events import (
    BCKG,
    EPOCH_S,
    LABELS,
    PAIR_DURATION_TOLERANCE_S,
    SEIZ,
    ScoringError,
    Tracks,
    build_tracks,
    label_track,
    map_label,
    seizure_spans,
)
from seizure.scoring.ira import kappa
from seizure.scoring.nedc import count_pair, score_pairs
from seizure.scoring.ovlp import ovlp
from seizure.scoring.summary import Counts, summarize
from seizure.scoring.szcore import SzcoreParams, szcore_event, szcore_sample
from seizure.scoring.taes import taes

__all__ = [
    "BCKG",
    "COUNT_METRICS",
    "DEFAULT_METRICS",
    "EPOCH_S",
    "LABELS",
    "METRICS",
    "PAIR_DURATION_TOLERANCE_S",
    "SEIZ",
    "Counts",
    "ScoringError",
    "SzcoreParams",
    "Tracks",
    "align",
    "build_tracks",
    "corpus_counts",
    "count_pair",
    "dpalign",
    "epoch",
    "epoch_confusion",
    "kappa",
    "label_track",
    "map_label",
    "ovlp",
    "score_corpus",
    "score_pairs",
    "seizure_spans",
    "subject_of",
    "summarize",
    "szcore_event",
    "szcore_sample",
    "taes",
]
