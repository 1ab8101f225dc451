"""Figures shared by detection outputs and reports (matplotlib, Agg backend): the timeline of a
recording, and PNG rendering.

Titles that hold text from files (recording names) are drawn with math-text parsing off, so a
``$`` in a name is printed, never interpreted.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

__all__ = ["RC", "plt", "png_bytes", "png_b64", "save_png", "timeline_figure", "timeline_png"]

#: matplotlib settings of every figure.
RC = {"font.size": 9}


def png_bytes(fig, dpi: int = 110) -> bytes:
    """Render and close a figure.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure; it is closed afterwards.
    dpi : int
        Resolution in dots per inch.

    Returns
    -------
    bytes
        The PNG file content.
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def png_b64(fig, dpi: int = 110) -> str:
    """Base64 PNG of a figure (closed afterwards).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure; it is closed afterwards.
    dpi : int
        Resolution in dots per inch.

    Returns
    -------
    str
        The PNG file content, base64-encoded (ASCII), e.g. for a ``data:`` URI.
    """
    return base64.b64encode(png_bytes(fig, dpi)).decode("ascii")


def save_png(fig, path: str | Path, dpi: int = 110) -> Path:
    """Render and close a figure into a PNG file (written atomically).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure; it is closed afterwards.
    path : str | Path
        The PNG file to write (replaced if it exists).
    dpi : int
        Resolution in dots per inch.

    Returns
    -------
    Path
        ``path``.
    """
    from seizure.storage import atomic_write_bytes

    path = Path(path)
    atomic_write_bytes(path, png_bytes(fig, dpi))
    return path


def timeline_figure(
    title: str,
    step_s: float,
    probs: dict[str, np.ndarray],
    thresholds: dict[str, float],
    refs: list[tuple[float, float]],
    hyps: dict[str, list[tuple[float, float]]],
):
    """Probability over time per detector; reference seizures shaded red, detections as bars.

    Parameters
    ----------
    title : str
        Figure title, drawn as plain text (no math-text).
    step_s : float
        Seconds per probability step.
    probs : dict of str to ndarray
        Detector name -> per-step (smoothed) probability, shape (n_steps,).
    thresholds : dict of str to float
        Detector name -> threshold (dotted line); a None value draws no line.
    refs : list of (start, stop)
        Reference seizures (seconds).
    hyps : dict of str to list of (start, stop)
        Detector name -> detected events (seconds), drawn as bars above the traces.

    Returns
    -------
    matplotlib.figure.Figure
        The figure (open; :func:`png_bytes` or :func:`save_png` close it). The time axis is in
        minutes below 3 hours of signal, in hours above.
    """
    with plt.rc_context(RC):
        fig, ax = plt.subplots(figsize=(9, 2.4))
        longest = max([p.size * step_s for p in probs.values()] + [b for _, b in refs] + [1.0])
        unit, scale = ("min", 60.0) if longest < 3 * 3600 else ("h", 3600.0)
        for a, b in refs:
            ax.axvspan(a / scale, b / scale, color="tab:red", alpha=0.18, lw=0)
        for k, name in enumerate(dict.fromkeys([*probs, *hyps])):
            color = f"C{k}"
            if name in probs:
                p = probs[name]
                ax.plot((np.arange(p.size) + 0.5) * step_s / scale, p, lw=0.8, color=color, label=f"{name} p(seizure)")
                if thresholds.get(name) is not None:
                    ax.axhline(thresholds[name], color=color, ls=":", lw=0.8, label=f"{name} threshold")
            ax.plot([], [], lw=4, color=color, label=f"{name} detections")
            for a, b in hyps.get(name, []):
                ax.plot([a / scale, b / scale], [1.04 + 0.05 * k] * 2, color=color, lw=4, solid_capstyle="butt")
        if refs:
            ax.plot([], [], color="tab:red", alpha=0.3, lw=6, label="reference seizure")
        ax.set_ylim(0, 1.15 + 0.05 * len(set(probs) | set(hyps)))
        ax.set_xlim(0, longest / scale)
        ax.set_xlabel(f"time ({unit})")
        ax.set_ylabel("p(seizure)")
        ax.set_title(title, fontsize=9, parse_math=False)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def timeline_png(title, step_s, probs, thresholds, refs, hyps) -> str:
    """:func:`timeline_figure` as a base64 PNG.

    Parameters
    ----------
    title : str
        Figure title, drawn as plain text.
    step_s : float
        Seconds per probability step.
    probs : dict of str to ndarray
        Detector name -> per-step probability, shape (n_steps,).
    thresholds : dict of str to float
        Detector name -> threshold (dotted line).
    refs : list of (start, stop)
        Reference seizures (seconds).
    hyps : dict of str to list of (start, stop)
        Detector name -> detected events (seconds).

    Returns
    -------
    str
        The PNG file content, base64-encoded.
    """
    return png_b64(timeline_figure(title, step_s, probs, thresholds, refs, hyps))
