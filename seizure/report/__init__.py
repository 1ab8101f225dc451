"""Clinical evaluation report: ``report.html`` (self-contained), ``report.json`` (every number), ``report.pdf``.

Modules: :mod:`~seizure.report.data` (what is scored), :mod:`~seizure.report.compute` (the numbers),
:mod:`~seizure.report.stats` (intervals, per-seizure matching), :mod:`~seizure.report.model_card`,
:mod:`~seizure.report.plots`, :mod:`~seizure.report.render` (HTML) and :mod:`~seizure.report.pdf`.

Nothing identifying is used: recordings are named by file base name, references come from the
annotation files, and no EDF header field other than channel names, rates and duration is read.
"""

from __future__ import annotations

import json
from pathlib import Path

from seizure._validation import check_option
from seizure.report.compute import build_document
from seizure.report.data import EvalRecording, ReportInput, input_from_detections, input_from_run
from seizure.report.pdf import PDF_ENGINES, write_pdf
from seizure.report.render import make_figures, render_html
from seizure.storage import atomic_write_text

__all__ = [
    "EvalRecording",
    "ReportInput",
    "input_from_run",
    "input_from_detections",
    "build_document",
    "build_report",
    "write_report",
]


def build_report(inp: ReportInput, out_dir: str | Path, pdf: str | None = "auto", n_boot: int = 2000) -> dict:
    """Compute, render and write the report files.

    Parameters
    ----------
    inp : ReportInput
    out_dir : path
        Folder receiving ``report.html``, ``report.json`` and ``report.pdf``.
    pdf : {"auto", "chromium", "matplotlib"} or None
        PDF engine (None: no PDF).
    n_boot : int
        Bootstrap resamples.

    Returns
    -------
    dict
        ``html``, ``json``, ``pdf`` (paths; ``pdf`` None when not written), ``pdf_engine`` and
        ``doc`` (the report document, as written to ``report.json``).
    """
    if pdf is not None:
        check_option(pdf, PDF_ENGINES, "pdf engine")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    doc = build_document(inp, n_boot=n_boot)
    figures = make_figures(doc, inp.records)
    html_path = out / "report.html"
    atomic_write_text(html_path, render_html(doc, figures))
    pdf_path, engine = None, None
    if pdf:
        pdf_path = out / "report.pdf"
        engine = write_pdf(doc, figures, html_path, pdf_path, engine=pdf)
    doc["outputs"] = {
        "html": html_path.name,
        "json": "report.json",
        "pdf": pdf_path.name if pdf_path else None,
        "pdf_engine": engine,
        "figures": [f["id"] for sec in figures.values() for f in sec],
    }
    json_path = out / "report.json"
    atomic_write_text(json_path, json.dumps(doc, indent=1, default=float))
    return {"html": html_path, "json": json_path, "pdf": pdf_path, "pdf_engine": engine, "doc": doc}


def write_report(doc: dict, eval_entries: list, run_dir: str | Path, pdf: str | None = "auto") -> Path:
    """Report of a training run, called by training right after evaluation.

    Parameters
    ----------
    doc : dict
        The run's metrics document (``run_id``, ``results``, ``data``, ``exclusions``, ``model`` ...).
    eval_entries : list of CachedRecording
        The evaluated recordings (their ``meta["edf"]`` locate the references).
    run_dir : path
        Run folder holding ``hyp/model/`` and ``probs/model/``; the report files are written there.
    pdf : str or None
        PDF engine (see :func:`build_report`).

    Returns
    -------
    Path
        ``report.html`` (``report.json`` and ``report.pdf`` are beside it).
    """
    from seizure.tracking import git_commit

    inp = input_from_run(run_dir, doc=doc, eval_edfs=[e.meta["edf"] for e in eval_entries])
    inp.git_commit = git_commit()
    paths = build_report(inp, run_dir, pdf=pdf)
    return paths["html"]
