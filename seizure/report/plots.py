"""Report figures (matplotlib, Agg): figures, PNG bytes, or base64 strings for embedding.

Titles that hold text from files (recording names) are drawn with math-text parsing off, so a
``$`` in a name is printed, never interpreted.
"""

from __future__ import annotations

import numpy as np

from seizure.figures import RC as _RC
from seizure.figures import plt, png_b64, png_bytes, save_png, timeline_figure, timeline_png

__all__ = [
    "SEED_ANCHORS",
    "ANCHORS",
    "png_bytes",
    "png_b64",
    "save_png",
    "timeline_figure",
    "timeline_png",
    "operating_curve_figure",
    "operating_curve_png",
    "latency_figure",
    "type_sensitivity_figure",
    "patient_scatter_figure",
]

#: Published operating points of the seed CNN/LSTM on the TUSZ eval set (Shah et al.): (FA/24h, sensitivity).
SEED_ANCHORS = {"ovlp": (6.75, 0.3083), "taes": (7.54, 0.1248)}
#: Reference points drawn on the operating curves: metric -> [(label, FA/24h, sensitivity, marker)].
ANCHORS = {
    "ovlp": [("seed CNN/LSTM, TUSZ eval (published)", 6.75, 0.3083, "*")],
    "taes": [
        ("seed CNN/LSTM, TUSZ eval (published)", 7.54, 0.1248, "*"),
        ("Neureka 2020 winner, TUSZ (about)", 1.4, 0.12, "P"),
    ],
    "szcore": [("best TUH result 2025 (about)", 18.0, 0.57, "D")],
}
_GOAL = ("clinical goal: 75% at <= 1 FA/24h", 1.0, 0.75, "X")


def operating_curve_figure(
    curves: dict[str, list[dict]],
    points: dict[str, tuple[float | None, float | None]],
    metric: str,
    split: str = "eval",
):
    """Sensitivity vs FA/24h for several detectors, operating points and published anchors marked.

    Parameters
    ----------
    curves : dict
        Detector name -> rows ``{"fa_per_24h", "sensitivity", ...}`` of a threshold sweep.
    points : dict
        Detector name -> (FA/24h, sensitivity) of its operating point.
    metric : str
        ``ovlp``, ``taes`` or ``szcore`` (title and anchors).
    split : str
        Name of the scored set, for the title.

    Returns
    -------
    matplotlib.figure.Figure
        The figure (FA/24h on a symmetric-log axis, sensitivity in percent).
    """
    with plt.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(4.6, 3.6))
        for name, rows in curves.items():
            pts = sorted((r["fa_per_24h"], r["sensitivity"] or 0.0) for r in rows if r["fa_per_24h"] is not None)
            if not pts:
                continue
            fa, se = (np.asarray(v) for v in zip(*pts))
            frontier = np.maximum.accumulate(se)  # best sensitivity at FA/24h <= x
            line = ax.step(fa, frontier * 100, where="post", label=name)[0]
            ax.plot(fa, se * 100, ".", ms=2.5, alpha=0.4, color=line.get_color())
            fa0, se0 = points.get(name, (None, None))
            if fa0 is not None:
                ax.plot(fa0, (se0 or 0) * 100, "o", ms=8, mfc="none", color=line.get_color())
        for label, fa, se, marker in ANCHORS.get(metric, []) + [_GOAL]:
            ax.plot(fa, se * 100, marker, color="k" if marker != "X" else "tab:green", ms=8, ls="none", label=label)
        ax.set_xscale("symlog", linthresh=1.0)
        ax.set_xlim(0, None)
        ax.set_xlabel("false alarms per 24 h")
        ax.set_ylabel("sensitivity (%)")
        ax.set_ylim(0, 102)
        ax.set_title(
            f"{metric.upper() if metric != 'szcore' else 'SzCORE'} operating curve ({split})", parse_math=False
        )
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6.5, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False)
    return fig


def operating_curve_png(curves, points, metric) -> str:
    """:func:`operating_curve_figure` as a base64 PNG.

    Parameters
    ----------
    curves : dict
        Detector name -> rows ``{"fa_per_24h", "sensitivity", ...}`` of a threshold sweep.
    points : dict
        Detector name -> (FA/24h, sensitivity) of its operating point.
    metric : str
        ``ovlp``, ``taes`` or ``szcore``.

    Returns
    -------
    str
        The PNG file content, base64-encoded.
    """
    return png_b64(operating_curve_figure(curves, points, metric))


def latency_figure(latencies: list[float]):
    """Histogram of detection latencies (seconds from seizure onset to the first detection).

    Parameters
    ----------
    latencies : list of float
        Latency of each detected seizure in seconds (negative: the detection began before the onset).

    Returns
    -------
    matplotlib.figure.Figure
        The histogram with its median marked (a note instead when the list is empty).
    """
    with plt.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(4.6, 3.0))
        lat = np.asarray(latencies, dtype=float)
        if lat.size:
            lo, hi = min(lat.min(), 0.0), max(lat.max(), 1.0)
            bins = np.linspace(np.floor(lo / 5) * 5, np.ceil(hi / 5) * 5 + 5, 25)
            ax.hist(lat, bins=bins, color="tab:blue", alpha=0.8)
            ax.axvline(float(np.median(lat)), color="k", ls="--", lw=1, label=f"median {np.median(lat):.1f} s")
            ax.legend(fontsize=7)
        else:
            ax.text(0.5, 0.5, "no detected seizure", ha="center", va="center", transform=ax.transAxes)
        ax.axvline(0, color="tab:red", lw=0.8)
        ax.set_xlabel("latency (s): first detection minus annotated onset")
        ax.set_ylabel("seizures")
        ax.set_title("Detection latency (OVLP hits)")
    return fig


def type_sensitivity_figure(rows: list[dict]):
    """Bars of sensitivity per seizure type with 95% Wilson intervals.

    Parameters
    ----------
    rows : list of dict
        ``{"type", "seizures", "detected", "sensitivity", "ci": [lo, hi]}``.

    Returns
    -------
    matplotlib.figure.Figure
        The bar chart, sensitivity in percent.
    """
    with plt.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(4.6, 3.0))
        if rows:
            x = np.arange(len(rows))
            se = np.array([100 * (r["sensitivity"] or 0.0) for r in rows])
            lo = np.array([100 * r["ci"][0] for r in rows])
            hi = np.array([100 * r["ci"][1] for r in rows])
            ax.bar(x, se, color="tab:blue", alpha=0.8)
            ax.errorbar(x, se, yerr=[se - lo, hi - se], fmt="none", ecolor="k", capsize=3, lw=0.8)
            ax.set_xticks(x, [f"{r['type']}\n(n={r['seizures']})" for r in rows], fontsize=7)
        else:
            ax.text(0.5, 0.5, "no reference seizure", ha="center", va="center", transform=ax.transAxes)
        ax.set_ylim(0, 105)
        ax.set_ylabel("sensitivity (%)")
        ax.set_title("OVLP sensitivity per seizure type (95% Wilson CI)")
    return fig


def patient_scatter_figure(rows: list[dict]):
    """Per-patient OVLP sensitivity vs FA/24h (patients without seizures at sensitivity -5%).

    Parameters
    ----------
    rows : list of dict
        One per patient: ``{"fa_per_24h", "sensitivity", ...}``, ``sensitivity`` None without seizures.

    Returns
    -------
    matplotlib.figure.Figure
        The scatter plot, sensitivity in percent.
    """
    with plt.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(4.6, 3.0))
        fa = np.array([r["fa_per_24h"] for r in rows], dtype=float)
        se = np.array([-5.0 if r["sensitivity"] is None else 100 * r["sensitivity"] for r in rows])
        ax.scatter(fa, se, s=18, color="tab:blue", alpha=0.8)
        ax.axhline(0, color="0.6", lw=0.6)
        ax.set_xscale("symlog", linthresh=1.0)
        ax.set_xlim(-0.1, max(10.0, float(fa.max()) * 1.3 if fa.size else 10.0))
        ax.set_ylim(-10, 105)
        ax.set_xlabel("false alarms per 24 h")
        ax.set_ylabel("sensitivity (%)")
        ax.set_title("Patients (OVLP); below 0: no seizure")
        ax.grid(alpha=0.3)
    return fig
