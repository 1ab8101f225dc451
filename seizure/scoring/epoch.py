"""EPOCH scoring: both label tracks sampled at the centres of fixed epochs (0.25 s)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from seizure.io.events import Event
from seizure.scoring.events import EPOCH_S, LABELS, ScoringError, Tracks, check_duration, label_track
from seizure.scoring.intervals import intersection_length, per_file, segmented_cummax
from seizure.scoring.summary import Counts

__all__ = ["epoch", "epoch_confusion", "epoch_counts", "epoch_tracks"]

_BIG = 2**52


def _count(x: np.ndarray, epoch_s: float, inclusive: bool) -> np.ndarray:
    """Number of epoch centres ``t_i = epoch_s / 2 + i * epoch_s`` (i >= 0) at or below ``x``.

    ``inclusive`` counts ``t_i <= x``, otherwise ``t_i < x``. The centres are computed with
    the same float operations as ``epoch_s / 2 + np.arange(n) * epoch_s``; the estimate
    from a division is corrected against them, so the count is exact for any ``x``.
    """
    half = epoch_s / 2.0
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        guess = np.floor((x - half) / epoch_s) + 1
    guess = np.nan_to_num(guess, nan=0.0, posinf=_BIG, neginf=0.0)
    c = np.clip(guess, 0, _BIG).astype(np.int64)
    for _ in range(2):  # move up while the next centre is still counted
        t = half + c * epoch_s
        c = c + ((t <= x) if inclusive else (t < x))
    for _ in range(2):  # move down while the last counted centre is not
        t = half + np.maximum(c - 1, 0) * epoch_s
        c = c - ((c > 0) & ((t > x) if inclusive else (t >= x)))
    return c


def _ranges(tracks: Tracks, n_epochs: np.ndarray, epoch_s: float):
    """Epoch index range ``[lo, hi)`` of every segment's own epochs (see Notes of epoch)."""
    prev = np.full(len(tracks.stop), -np.inf)
    if len(prev) > 1:
        reach = segmented_cummax(tracks.file, tracks.stop)
        same = tracks.file[1:] == tracks.file[:-1]
        prev[1:] = np.where(same, reach[:-1], -np.inf)
    after_gap = tracks.start > prev
    lo = np.where(after_gap, _count(tracks.start, epoch_s, False), _count(prev, epoch_s, True))
    hi = _count(tracks.stop, epoch_s, True)
    n = n_epochs[tracks.file]
    return np.clip(lo, 0, n), np.clip(hi, 0, n)


def epoch_confusion(ref: Tracks, hyp: Tracks, durations: np.ndarray, epoch_s: float = EPOCH_S) -> np.ndarray:
    """Epoch confusion matrix of every file.

    Parameters
    ----------
    ref, hyp : Tracks
        Label tracks of the references and hypotheses (same files, same order).
    durations : ndarray, shape (n_files,)
        Recording durations, seconds.
    epoch_s : float
        Epoch length, seconds.

    Returns
    -------
    ndarray of int64, shape (n_files, 2, 2)
        ``conf[f, r, h]``: epochs of file ``f`` labelled ``LABELS[r]`` in the reference and
        ``LABELS[h]`` in the hypothesis.

    Notes
    -----
    Equivalent to sampling both tracks at ``epoch_s / 2 + i * epoch_s`` for every such time
    up to the end of the reference track, looking each time up in the first segment whose
    (running maximum) stop is at or after it and, when that segment does not contain the
    time, in the track's last segment, as the official tool does. Instead of visiting the
    epochs (1.8 million for 128 hours), each segment is turned into the exact range of
    epoch indices it labels, and ranges are intersected on one integer axis.
    """
    if not epoch_s > 0:
        raise ScoringError(f"epoch_s must be positive, got {epoch_s!r}")
    n_files = ref.n_files
    if n_files == 0:
        return np.zeros((0, 2, 2), dtype=np.int64)
    durations = np.asarray(durations, dtype=np.float64)
    n_max = (durations / epoch_s).astype(np.int64) + 2
    ref_end = ref.stop[ref.ptr[1:] - 1]
    n_epochs = np.minimum(n_max, _count(ref_end, epoch_s, True))
    offset = np.concatenate([[0], np.cumsum(n_epochs)[:-1]])

    sets = []
    for tr in (ref, hyp):
        lo, hi = _ranges(tr, n_epochs, epoch_s)
        last_code = tr.code[tr.ptr[1:] - 1]
        # Epochs not claimed by their own segment fall back to the last segment's label, so
        # the label other than the last one's is exactly the union of its segments' ranges.
        explicit = 1 - last_code
        sel = tr.code == explicit[tr.file]
        f = tr.file[sel]
        glo, ghi = lo[sel] + offset[f], hi[sel] + offset[f]
        keep = ghi > glo
        f, glo, ghi = f[keep], glo[keep], ghi[keep]
        size = per_file(f, (ghi - glo).astype(np.float64), n_files).astype(np.int64)
        seiz_explicit = explicit == 0
        n_seiz = np.where(seiz_explicit, size, n_epochs - size)
        sets.append((f, glo, ghi, size, seiz_explicit, n_seiz))

    (rf, rlo, rhi, r_size, r_exp, r_seiz) = sets[0]
    (hf, hlo, hhi, h_size, h_exp, h_seiz) = sets[1]
    inter = per_file(hf, intersection_length(rlo, rhi, hlo, hhi).astype(np.float64), n_files)
    inter = inter.astype(np.int64)
    both_seiz = np.select(
        [r_exp & h_exp, r_exp & ~h_exp, ~r_exp & h_exp],
        [inter, r_size - inter, h_size - inter],
        default=n_epochs - r_size - h_size + inter,
    )
    conf = np.empty((n_files, 2, 2), dtype=np.int64)
    conf[:, 0, 0] = both_seiz
    conf[:, 0, 1] = r_seiz - both_seiz
    conf[:, 1, 0] = h_seiz - both_seiz
    conf[:, 1, 1] = n_epochs - r_seiz - h_seiz + both_seiz
    return conf


def epoch_counts(conf: np.ndarray) -> dict[str, np.ndarray]:
    """EPOCH counts per label from confusion matrices.

    Parameters
    ----------
    conf : ndarray, shape (..., 2, 2)
        Confusion matrices (reference label x hypothesis label).

    Returns
    -------
    dict
        ``{label: ndarray (..., 4)}`` of ``targets, hits, misses, false_alarms`` in epochs:
        targets are the label's reference epochs, hits the diagonal cell, misses the epochs
        hypothesised as the other label and false alarms the epochs of the other reference
        label hypothesised as this one.
    """
    out = {}
    for a, label in enumerate(LABELS):
        b = 1 - a
        out[label] = np.stack(
            [conf[..., a, :].sum(-1), conf[..., a, a], conf[..., a, b], conf[..., b, a]], axis=-1
        ).astype(np.float64)
    return out


def epoch_tracks(ref: Tracks, hyp: Tracks, durations: np.ndarray, epoch_s: float = EPOCH_S) -> dict[str, np.ndarray]:
    """EPOCH counts of every label of a corpus, per file (``{label: (n_files, 4)}``).

    Parameters
    ----------
    ref, hyp : Tracks
        Label tracks of the references and hypotheses (same files, same order).
    durations : ndarray, shape (n_files,)
        Recording durations, seconds.
    epoch_s : float
        Epoch length, seconds (0.25 in the official parameter file).

    Returns
    -------
    dict of str to ndarray
        ``{label: ndarray (n_files, 4)}`` of ``targets, hits, misses, false_alarms`` in epochs
        (see :func:`epoch_counts`), shape (n_files, 4) per label.
    """
    return epoch_counts(epoch_confusion(ref, hyp, durations, epoch_s))


def epoch(ref: Sequence[Event], hyp: Sequence[Event], duration: float, epoch_s: float = EPOCH_S) -> dict[str, Counts]:
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
    duration = check_duration(duration)
    if not epoch_s > 0:
        raise ScoringError(f"epoch_s must be positive, got {epoch_s!r}")
    r = Tracks.from_segments([label_track(ref, duration)])
    h = Tracks.from_segments([label_track(hyp, duration)])
    rows = epoch_tracks(r, h, np.array([duration]), epoch_s)
    return {label: Counts(*v[0]) for label, v in rows.items()}
