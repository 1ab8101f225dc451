"""Report figures (matplotlib, Agg), returned as base64 PNG strings for embedding."""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

__all__ = ["operating_curve_png", "timeline_png", "SEED_ANCHORS"]

#: Published operating points of the seed CNN/LSTM on the TUSZ eval set (Shah et al.).
SEED_ANCHORS = {"ovlp": (6.75, 0.3083), "taes": (7.54, 0.1248)}


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def operating_curve_png(curves: dict[str, list[dict]], points: dict[str, tuple[float, float]], metric: str) -> str:
    """Sensitivity vs FA/24h for several detectors (name -> curve rows), operating points marked."""
    fig, ax = plt.subplots(figsize=(5.2, 3.8))
    for name, rows in curves.items():
        pts = sorted((r["fa_per_24h"], r["sensitivity"] or 0.0) for r in rows if r["fa_per_24h"] is not None)
        if pts:
            fa, se = (np.asarray(v) for v in zip(*pts))
            frontier = np.maximum.accumulate(se)  # best sensitivity at FA/24h <= x
            line = ax.step(fa, frontier * 100, where="post", label=name)[0]
            ax.plot(fa, se * 100, ".", ms=2.5, alpha=0.4, color=line.get_color())
            if name in points and points[name][0] is not None:
                ax.plot(points[name][0], (points[name][1] or 0) * 100, "o", ms=8, mfc="none", color=line.get_color())
    if metric in SEED_ANCHORS:
        fa, se = SEED_ANCHORS[metric]
        ax.plot(fa, se * 100, "k*", ms=10, label="seed CNN/LSTM (published, TUSZ)")
    ax.set_xscale("symlog", linthresh=1.0)
    ax.set_xlabel("false alarms per 24 h")
    ax.set_ylabel("sensitivity (%)")
    ax.set_ylim(0, 102)
    ax.set_title(f"{metric.upper()} operating curve (eval split)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    return _png(fig)


def timeline_png(
    title: str,
    step_s: float,
    probs: dict[str, np.ndarray],
    thresholds: dict[str, float],
    refs: list[tuple[float, float]],
    hyps: dict[str, list[tuple[float, float]]],
) -> str:
    """Probability over time per detector, reference seizures shaded, detections as bars."""
    fig, ax = plt.subplots(figsize=(9, 2.4))
    for a, b in refs:
        ax.axvspan(a / 60, b / 60, color="tab:red", alpha=0.18, lw=0)
    for k, (name, p) in enumerate(probs.items()):
        t = (np.arange(p.size) + 0.5) * step_s / 60
        line = ax.plot(t, p, lw=0.8, label=name)[0]
        if name in thresholds:
            ax.axhline(thresholds[name], color=line.get_color(), ls=":", lw=0.8)
        for a, b in hyps.get(name, []):
            ax.plot([a / 60, b / 60], [1.04 + 0.05 * k] * 2, color=line.get_color(), lw=4, solid_capstyle="butt")
    ax.set_ylim(0, 1.15 + 0.05 * len(probs))
    ax.set_xlabel("time (min)")
    ax.set_ylabel("p(seizure)")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, loc="upper left", ncol=3)
    return _png(fig)
