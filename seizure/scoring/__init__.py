"""Scoring of seizure detections against reference annotations.

:mod:`seizure.scoring.nedc` reproduces the TUH reference scorer ``nedc_eeg_eval`` v6.0.0
(OVLP, TAES and EPOCH scoring); the ``seiz`` row of its results is the headline figure.
"""

from seizure.scoring.nedc import (
    BCKG,
    EPOCH_S,
    LABELS,
    METRICS,
    SEIZ,
    Counts,
    count_pair,
    epoch,
    label_track,
    map_label,
    ovlp,
    score_pairs,
    summarize,
    taes,
)

__all__ = [
    "BCKG",
    "EPOCH_S",
    "LABELS",
    "METRICS",
    "SEIZ",
    "Counts",
    "count_pair",
    "epoch",
    "label_track",
    "map_label",
    "ovlp",
    "score_pairs",
    "summarize",
    "taes",
]
