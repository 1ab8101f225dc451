"""IRA: inter-rater agreement (Cohen's kappa) between reference and hypothesis epochs."""

from __future__ import annotations

import numpy as np

from seizure.scoring.events import LABELS

__all__ = ["kappa", "label_kappa", "multi_class_kappa"]


def label_kappa(conf: np.ndarray, k: int) -> float | None:
    """Cohen's kappa of label ``k`` against all other labels.

    Parameters
    ----------
    conf : ndarray, shape (n_labels, n_labels)
        Epoch confusion matrix (reference label x hypothesis label), summed over files.
    k : int
        Label index.

    Returns
    -------
    float or None
        ``(p_o - p_e) / (1 - p_e)`` on the 2x2 "label k / not k" matrix. None when there are
        no epochs at all. When ``p_e == 1`` the official tool reports 1.0 if the agreement
        is also perfect and 0.0 otherwise; so does this function.
    """
    conf = np.asarray(conf, dtype=np.float64)
    a = conf[k, k]
    others = [j for j in range(conf.shape[0]) if j != k]
    b = conf[k, others].sum()
    c = conf[others, k].sum()
    d = sum(conf[j, j] for j in others)
    n = a + b + c + d
    if n == 0:
        return None
    p_o = (a + d) / n
    p_e = (a + b) / n * (a + c) / n + (c + d) / n * (b + d) / n
    num, den = p_o - p_e, 1.0 - p_e
    if den == 0:
        return 1.0 if num == 0 else 0.0
    return float(num / den)


def multi_class_kappa(conf: np.ndarray) -> float | None:
    """Cohen's kappa over the whole confusion matrix.

    Parameters
    ----------
    conf : ndarray, shape (k, k)
        Confusion matrix in epochs, reference label x hypothesis label (any square size).

    Returns
    -------
    float or None
        ``(N * sum(diag) - sum(rows * cols)) / (N**2 - sum(rows * cols))`` with ``N`` the
        number of epochs; None without epochs; 1.0 when numerator and denominator are both 0
        and 0.0 when only the denominator is, as the official tool reports.
    """
    conf = np.asarray(conf, dtype=np.float64)
    n = conf.sum()
    if n == 0:
        return None
    gc = float((conf.sum(axis=1) * conf.sum(axis=0)).sum())
    num = n * float(np.trace(conf)) - gc
    den = n * n - gc
    if den == 0:
        return 1.0 if num == 0 else 0.0
    return float(num / den)


def kappa(conf: np.ndarray) -> dict:
    """IRA figures of a summed epoch confusion matrix.

    Parameters
    ----------
    conf : ndarray, shape (2, 2)
        Epoch confusion matrix over all files (see
        :func:`seizure.scoring.epoch.epoch_confusion`).

    Returns
    -------
    dict
        ``{"seiz": {"kappa": float}, "bckg": {"kappa": float}, "multi_class_kappa": float}``
        (None where undefined).

    Notes
    -----
    The official IRA samples the two label tracks on the same 0.25 s epochs as EPOCH
    scoring (its parameter file gives both ``epoch_duration = 0.25``), so the confusion
    matrix is the EPOCH one. With two labels the three kappas are equal.
    """
    out: dict = {label: {"kappa": label_kappa(conf, k)} for k, label in enumerate(LABELS)}
    out["multi_class_kappa"] = multi_class_kappa(conf)
    return out
