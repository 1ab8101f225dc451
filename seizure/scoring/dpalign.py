"""DPALIGN: edit-distance alignment of the label sequences, ignoring times."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from seizure.io.events import Event
from seizure.scoring.events import LABELS, Tracks, check_duration, label_track
from seizure.scoring.summary import Counts

__all__ = ["align", "dpalign", "dpalign_tracks"]

_NULL = -1
_SUB, _INS, _DEL = 0, 1, 2


def align(
    ref: Sequence[int],
    hyp: Sequence[int],
    penalty_del: float = 1.0,
    penalty_ins: float = 1.0,
    penalty_sub: float = 1.0,
) -> list[tuple[int, int]]:
    """Minimum-cost alignment of two label sequences.

    Parameters
    ----------
    ref, hyp : sequence of int
        Label codes in time order.
    penalty_del, penalty_ins, penalty_sub : float
        Costs of a deletion (reference label left out), an insertion (extra hypothesis
        label) and a substitution (the official parameter file sets all three to 1).

    Returns
    -------
    list of (ref_code, hyp_code)
        Aligned pairs in order; ``-1`` stands for the missing side of an insertion
        (``(-1, h)``) or deletion (``(r, -1)``).

    Notes
    -----
    Both sequences are framed by a null symbol at each end, as the official tool does, and
    the frame is dropped from the result. On equal cost a substitution (or match) is
    preferred to an insertion, and an insertion to a deletion; the path is traced back from
    the last cell.
    """
    r = [_NULL, *ref, _NULL]
    h = [_NULL, *hyp, _NULL]
    m, n = len(r), len(h)
    cost = [[0.0] * n for _ in range(m)]
    move = [[_SUB] * n for _ in range(m)]
    for j in range(1, n):
        cost[0][j] = cost[0][j - 1] + penalty_ins
        move[0][j] = _INS
    for i in range(1, m):
        cost[i][0] = cost[i - 1][0] + penalty_del
        move[i][0] = _DEL
    for j in range(1, n):
        hj = h[j]
        for i in range(1, m):
            best = cost[i - 1][j - 1] + (penalty_sub if r[i] != hj else 0.0)
            step = _SUB
            ins = cost[i][j - 1] + penalty_ins
            if ins < best:
                best, step = ins, _INS
            dele = cost[i - 1][j] + penalty_del
            if dele < best:
                best, step = dele, _DEL
            cost[i][j] = best
            move[i][j] = step
    i, j = m - 1, n - 1
    path = []
    while i >= 0 and j >= 0:
        step = move[i][j]
        if step == _DEL:
            path.append((r[i], _NULL))
            i -= 1
        elif step == _INS:
            path.append((_NULL, h[j]))
            j -= 1
        else:
            path.append((r[i], h[j]))
            i -= 1
            j -= 1
    path.reverse()
    return path[1:-1]


@lru_cache(maxsize=4096)
def _file_counts(ref: tuple[int, ...], hyp: tuple[int, ...], penalties: tuple[float, float, float]) -> tuple:
    """``(targets, hits, misses, insertions, substitution matrix)`` of one file, per label."""
    k = len(LABELS)
    tgt, hit, mis, ins = [0] * k, [0] * k, [0] * k, [0] * k
    sub = [[0] * k for _ in range(k)]
    if ref == hyp:
        for c in ref:
            tgt[c] += 1
            hit[c] += 1
            sub[c][c] += 1
    else:
        for a, b in align(ref, hyp, *penalties):
            if a == _NULL:
                ins[b] += 1
                continue
            tgt[a] += 1
            if b == _NULL:
                mis[a] += 1
                continue
            sub[a][b] += 1
            if a == b:
                hit[a] += 1
            else:
                mis[a] += 1
    return tuple(tgt), tuple(hit), tuple(mis), tuple(ins), tuple(map(tuple, sub))


def dpalign_tracks(
    ref: Tracks,
    hyp: Tracks,
    penalty_del: float = 1.0,
    penalty_ins: float = 1.0,
    penalty_sub: float = 1.0,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """DPALIGN counts of every label of a corpus, per file.

    Parameters
    ----------
    ref, hyp : Tracks
        Label tracks of the references and hypotheses (same files, same order); only the label
        sequences are used, not the times.
    penalty_del, penalty_ins, penalty_sub : float
        Costs of a deletion, an insertion and a substitution (see :func:`align`).

    Returns
    -------
    (dict, ndarray)
        ``{label: ndarray (n_files, 4)}`` of ``targets, hits, misses, false_alarms`` (false
        alarms are insertions), and the substitution matrices, shape (n_files, 2, 2)
        (reference label x hypothesis label, aligned pairs only).

    Notes
    -----
    A label track alternates its labels, so its label sequence is fixed by its first label
    and its length; alignments are cached on the two sequences, which makes a corpus cost
    a few distinct alignments.
    """
    n_files = ref.n_files
    k = len(LABELS)
    counts = np.zeros((k, n_files, 4))
    subs = np.zeros((n_files, k, k))
    penalties = (float(penalty_del), float(penalty_ins), float(penalty_sub))
    rc, hc = ref.code.tolist(), hyp.code.tolist()
    rp, hp = ref.ptr.tolist(), hyp.ptr.tolist()
    for f in range(n_files):
        tgt, hit, mis, ins, sub = _file_counts(tuple(rc[rp[f] : rp[f + 1]]), tuple(hc[hp[f] : hp[f + 1]]), penalties)
        counts[:, f, 0] = tgt
        counts[:, f, 1] = hit
        counts[:, f, 2] = mis
        counts[:, f, 3] = ins
        subs[f] = sub
    return {label: counts[c] for c, label in enumerate(LABELS)}, subs


def dpalign(
    ref: Sequence[Event],
    hyp: Sequence[Event],
    duration: float,
    penalty_del: float = 1.0,
    penalty_ins: float = 1.0,
    penalty_sub: float = 1.0,
) -> dict[str, Counts]:
    """DPALIGN scoring of one file.

    Parameters
    ----------
    ref, hyp : sequence of Event
        Reference and hypothesis events of the same recording.
    duration : float
        Recording duration in seconds.
    penalty_del, penalty_ins, penalty_sub : float
        Alignment costs (1.0 each in the official parameter file).

    Returns
    -------
    dict
        ``{"seiz": Counts, "bckg": Counts}``.

    Notes
    -----
    The label sequences of the two label tracks (times ignored) are aligned by
    :func:`align`. Per reference label: an aligned pair with the same label is a hit, a
    pair with another label or a deletion is a miss (both are targets); an insertion is a
    false alarm of the hypothesis label. A substitution is a miss of the reference label
    but no false alarm, as in the official tool.

    Examples
    --------
    >>> from seizure.io.annotations import Event
    >>> out = dpalign([Event(10, 20, "seiz")], [Event(12, 14, "seiz"), Event(16, 18, "seiz")], 30.0)
    >>> out["seiz"], out["bckg"]
    (Counts(targets=1.0, hits=1.0, misses=0.0, false_alarms=1.0), Counts(targets=2.0, hits=2.0, misses=0.0, false_alarms=1.0))
    """
    duration = check_duration(duration)
    r = Tracks.from_segments([label_track(ref, duration)])
    h = Tracks.from_segments([label_track(hyp, duration)])
    rows, _ = dpalign_tracks(r, h, penalty_del, penalty_ins, penalty_sub)
    return {label: Counts(*v[0]) for label, v in rows.items()}
