"""Evaluation report: a self-contained HTML page (figures embedded) rendered with Jinja2."""

from __future__ import annotations

from pathlib import Path

import jinja2
import numpy as np

from seizure.postprocess import smooth
from seizure.report.plots import SEED_ANCHORS, operating_curve_png, timeline_png

__all__ = ["write_report"]


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def _pct(x) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def _num(x, digits: int = 2) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def write_report(doc: dict, eval_entries: list, run_dir: str | Path, max_timelines: int = 6) -> Path:
    """Render ``report.html`` in ``run_dir`` from the metrics document of a run.

    The page holds only derived numbers, channel-free signals summaries and file base names; no
    EDF header field other than duration is used. Every string is HTML-escaped by the template engine.
    """
    run_dir = Path(run_dir)
    results = doc["results"]
    step_s = results["model"]["detector"]["step_s"]
    curves, figures = {}, []
    for metric in ("ovlp", "taes"):
        curves[metric] = operating_curve_png(
            {name: results[name]["eval_curve"][metric] for name in results},
            {
                name: (
                    results[name]["eval"]["metrics"][metric]["seiz"]["fa_per_24h"],
                    results[name]["eval"]["metrics"][metric]["seiz"]["sensitivity"],
                )
                for name in results
            },
            metric,
        )
    ranked = sorted(eval_entries, key=lambda e: (-len(e.seizures), e.meta["bname"]))[:max_timelines]
    for entry in ranked:
        bname = entry.meta["bname"]
        probs = {
            name: smooth(
                np.load(run_dir / "probs" / name / f"{bname}.npy"),
                results[name]["detector"]["step_s"],
                results[name]["detector"]["smooth_s"],
            )
            for name in results
        }
        figures.append(
            {
                "title": bname,
                "png": timeline_png(
                    f"{bname} ({entry.duration / 60:.1f} min, {len(entry.seizures)} seizures)",
                    step_s,
                    probs,
                    {n: results[n]["detector"]["threshold_"] for n in results},
                    entry.seizures,
                    {n: [(a, b) for a, b, _ in results[n]["events"].get(bname, [])] for n in results},
                ),
            }
        )
    rows = []
    for name in results:
        for metric in ("ovlp", "taes"):
            s = results[name]["eval"]["metrics"][metric]["seiz"]
            rows.append(
                {
                    "detector": name,
                    "metric": metric.upper(),
                    "sensitivity": _pct(s["sensitivity"]),
                    "fa": _num(s["fa_per_24h"]),
                    "precision": _pct(s["precision"]),
                    "f1": _num(s["f1"], 3),
                    "hits": _num(s["hits"], 2),
                    "targets": _num(s["targets"], 0),
                    "false_alarms": _num(s["false_alarms"], 2),
                    "threshold": _num(results[name]["detector"]["threshold_"], 3),
                }
            )
    matched = []
    for metric, m in doc["matched"].items():
        matched.append(
            {
                "metric": metric.upper(),
                "fa": _num(m["max_fa_per_24h"]),
                "model": _pct(m["model"]["sensitivity"]) if m["model"] else "n/a",
                "baseline": _pct(m["baseline"]["sensitivity"]) if m["baseline"] else "n/a",
            }
        )
    html = _env().get_template("report.html").render(
        doc=doc,
        rows=rows,
        matched=matched,
        curves=curves,
        figures=figures,
        anchors=SEED_ANCHORS,
        data_rows=[{"split": s, **v} for s, v in doc["data"].items()],
        pct=_pct,
        num=_num,
    )
    out = run_dir / "report.html"
    out.write_text(html)
    return out
