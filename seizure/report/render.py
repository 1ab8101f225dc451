"""Figures and the self-contained HTML page of the evaluation report.

The page has no script and loads nothing: styles are inline, figures are embedded PNG data URIs,
and a Content-Security-Policy forbids any other source. Every string is HTML-escaped by Jinja2's
autoescaping (recording names, exclusion reasons, configuration values all come from files).
"""

from __future__ import annotations

from pathlib import Path

import jinja2
import numpy as np

from seizure.postprocess import smooth
from seizure.report.data import EvalRecording
from seizure.report.plots import (
    latency_figure,
    operating_curve_figure,
    patient_scatter_figure,
    png_b64,
    timeline_figure,
    type_sensitivity_figure,
)

__all__ = ["make_figures", "render_html", "fmt_pct", "fmt_num", "fmt_ci"]

_NAMES = {"ovlp": "OVLP", "taes": "TAES", "szcore": "SzCORE"}


def fmt_pct(x, digits: int = 1) -> str:
    """A fraction as a percentage for the page.

    Parameters
    ----------
    x : float | None
        The fraction (0.5 is ``50.0%``).
    digits : int
        Decimals shown.

    Returns
    -------
    str
        ``"<100 x>%"``, or ``"n/a"`` for None.
    """
    return "n/a" if x is None else f"{100 * x:.{digits}f}%"


def fmt_num(x, digits: int = 2) -> str:
    """A number for the page.

    Parameters
    ----------
    x : float | None
        The value.
    digits : int
        Decimals shown.

    Returns
    -------
    str
        The value with ``digits`` decimals, or ``"n/a"`` for None.
    """
    return "n/a" if x is None else f"{x:.{digits}f}"


def fmt_ci(ci, pct: bool = True, digits: int = 1) -> str:
    """A confidence interval for the page.

    Parameters
    ----------
    ci : sequence of float | None
        ``[lo, hi]``.
    pct : bool
        Show the bounds as percentages (fractions times 100, ``digits`` decimals); else as plain
        numbers with ``digits + 1`` decimals.
    digits : int
        Decimals of a percentage.

    Returns
    -------
    str
        ``"[lo, hi]"`` (with ``%`` for percentages), or ``"n/a"`` for an empty or missing interval.
    """
    if not ci:
        return "n/a"
    f = (lambda v: f"{100 * v:.{digits}f}") if pct else (lambda v: f"{v:.{digits + 1}f}")
    return f"[{f(ci[0])}, {f(ci[1])}]" + ("%" if pct else "")


def make_figures(doc: dict, records: list[EvalRecording]) -> dict[str, list[dict]]:
    """Figures of the report by section: ``curves``, ``distributions``, ``timelines``.

    Parameters
    ----------
    doc : dict
        The report document (:func:`seizure.report.compute.build_document`).
    records : list of EvalRecording
        The scored recordings; those named in ``doc["worst"]`` get a timeline.

    Returns
    -------
    dict of str to list of dict
        Section -> figures, each ``{"id", "title", "caption", "png"}`` (``png`` base64).
    """
    figs: dict[str, list[dict]] = {"curves": [], "distributions": [], "timelines": []}
    split = doc["data"]["split"]
    for metric, rows in doc["curves"].items():
        h = doc["headline"].get(metric, {})
        fig = operating_curve_figure(
            {"model": rows}, {"model": (h.get("fa_per_24h"), h.get("sensitivity"))}, metric, split
        )
        figs["curves"].append(
            {
                "id": f"curve-{metric}",
                "title": f"{_NAMES[metric]} operating curve",
                "caption": "Line: best sensitivity at or below each false-alarm rate over a threshold "
                "sweep; dots: single thresholds; circle: the operating point.",
                "png": png_b64(fig),
            }
        )
    figs["distributions"].append(
        {
            "id": "by-type",
            "title": "Sensitivity per seizure type",
            "caption": "OVLP hits per reference seizure; bars: 95% Wilson intervals.",
            "png": png_b64(type_sensitivity_figure(doc["by_type"])),
        }
    )
    figs["distributions"].append(
        {
            "id": "latency",
            "title": "Detection latency",
            "caption": doc["latency"]["definition"] + ".",
            "png": png_b64(latency_figure(doc["latency"]["values"])),
        }
    )
    figs["distributions"].append(
        {
            "id": "patients",
            "title": "Patients",
            "caption": "Per-patient OVLP sensitivity against FA/24h.",
            "png": png_b64(patient_scatter_figure(doc["patients"])),
        }
    )
    pp = doc["operating_point"]["postprocess"]
    by_name = {r.bname: r for r in records}
    for w in doc["worst"]:
        rec = by_name[w["bname"]]
        probs = (
            {} if rec.probs is None else {"model": smooth(np.asarray(rec.probs, float), pp["step_s"], pp["smooth_s"])}
        )
        title = (
            f"{rec.bname}  (patient {rec.patient}; {w['missed']} missed, {w['false_alarms']} false alarm(s); "
            f"{rec.duration / 60:.1f} min)"
        )
        fig = timeline_figure(
            title,
            pp["step_s"],
            probs,
            {"model": pp["threshold_"]},
            [(e.start, e.stop) for e in rec.refs],
            {"model": [(e.start, e.stop) for e in rec.hyps]},
        )
        figs["timelines"].append(
            {
                "id": f"timeline-{len(figs['timelines'])}",
                "title": f"{w['reason']}: {rec.bname}",
                "caption": "Red: reference seizures; line: smoothed probability; dotted: threshold; bars: detections.",
                "png": png_b64(fig),
            }
        )
    return figs


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(
        pct=fmt_pct, num=fmt_num, ci=fmt_ci, name=lambda m: _NAMES.get(m, m), base=lambda p: Path(str(p)).name
    )
    return env


def render_html(doc: dict, figures: dict[str, list[dict]]) -> str:
    """The report page (a complete HTML document).

    Parameters
    ----------
    doc : dict
        The report document (:func:`seizure.report.compute.build_document`).
    figures : dict of str to list of dict
        Figures by section, from :func:`make_figures`.

    Returns
    -------
    str
        The HTML page, every value HTML-escaped and every figure embedded.
    """
    return _env().get_template("report.html").render(doc=doc, figures=figures, names=_NAMES)
