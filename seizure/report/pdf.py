"""PDF of the report for archiving.

``engine="chromium"`` prints the HTML page itself with headless Chromium (same content, same
layout); ``engine="matplotlib"`` lays the same tables and figures out on A4 pages with
``matplotlib.backends.backend_pdf.PdfPages`` (no browser needed). ``"auto"`` uses Chromium when it
is installed.
"""

from __future__ import annotations

import base64
import io
import logging
import os
import shutil
import subprocess
import tempfile
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.image as mpimg
import matplotlib.pyplot as plt
from matplotlib.backends.backend_pdf import PdfPages

from seizure._validation import check_option
from seizure.report.render import fmt_ci, fmt_num, fmt_pct

__all__ = ["PDF_ENGINES", "find_chromium", "chromium_flags", "write_pdf", "PdfError"]

#: ``write_pdf`` engines: Chromium printing the HTML page, matplotlib pages, or Chromium when installed.
PDF_ENGINES = ("auto", "chromium", "matplotlib")

logger = logging.getLogger("seizure")
_A4 = (8.27, 11.69)
_LINES = 62


class PdfError(RuntimeError):
    """The PDF could not be produced."""


def find_chromium() -> str | None:
    """``$SEIZURE_CHROMIUM``, else ``chromium``/``chromium-browser``/``google-chrome`` on PATH, else None."""
    env = os.environ.get("SEIZURE_CHROMIUM")
    if env:
        return env if Path(env).is_file() else None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


def chromium_flags(user_data_dir: str | Path) -> list[str]:
    """Flags for an isolated, offline headless run (no sandbox: CI runs as root).

    Parameters
    ----------
    user_data_dir : path-like
        Profile folder of this run (a fresh temporary folder), so no user profile is read or changed.

    Returns
    -------
    list of str
        Command-line flags, to be followed by the action (e.g. ``--print-to-pdf=...``) and the page.
    """
    return [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", f"--user-data-dir={user_data_dir}",
    ]  # fmt: skip


def _chromium_pdf(html: Path, out: Path, chromium: str, timeout: float = 180.0) -> None:
    with tempfile.TemporaryDirectory(prefix="seizure-chromium-") as profile:
        cmd = [
            chromium,
            *chromium_flags(profile),
            "--no-pdf-header-footer",
            f"--print-to-pdf={out}",
            html.resolve().as_uri(),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PdfError(f"{chromium}: print-to-pdf failed ({exc})") from exc
    if proc.returncode != 0 or not out.is_file() or out.stat().st_size == 0:
        raise PdfError(f"{chromium}: print-to-pdf exit {proc.returncode}: {proc.stderr.strip()[-500:]}")


def _text_pages(pdf: PdfPages, title: str, lines: list[str]) -> None:
    for start in range(0, max(len(lines), 1), _LINES):
        fig = plt.figure(figsize=_A4)
        fig.text(0.06, 0.965, title, fontsize=12, weight="bold", parse_math=False)
        fig.text(
            0.06,
            0.94,
            "\n".join(lines[start : start + _LINES]),
            fontsize=7,
            family="monospace",
            va="top",
            parse_math=False,
        )
        pdf.savefig(fig)
        plt.close(fig)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)] if rows else [len(h) for h in header]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return [fmt.format(*header), fmt.format(*["-" * w for w in widths])] + [fmt.format(*map(str, r)) for r in rows]


def _matplotlib_pdf(doc: dict, figures: dict[str, list[dict]], out: Path) -> None:
    names = {"ovlp": "OVLP", "taes": "TAES", "szcore": "SzCORE"}
    d = doc["data"]
    head = [
        f"Generated {doc['generated']} from {doc['source']['kind']} {Path(str(doc['source']['path'])).name}",
        f"MLflow run {doc['source'].get('run_id')}",
        "",
        f"Recordings {d['recordings']}, patients {d['patients']}, {d['hours']:.2f} h, {d['seizures']} seizures",
        "Seizures by type: " + ", ".join(f"{k} {v}" for k, v in d["seizures_by_type"].items()),
        f"Operating point: {doc['operating_point']['postprocess']}",
        "",
        "Headline (95% CI: sensitivity patient bootstrap | Wilson; FA/24h patient bootstrap | Poisson)",
    ]
    head += _table(
        ["scoring", "sens", "CI boot", "CI Wilson", "FA/24h", "CI boot", "CI Poisson", "prec", "F1"],
        [
            [
                names.get(m, m),
                fmt_pct(h["sensitivity"]),
                fmt_ci(h["sensitivity_ci_bootstrap"]),
                fmt_ci(h["sensitivity_ci_wilson"]),
                fmt_num(h["fa_per_24h"]),
                fmt_ci(h["fa_per_24h_ci_bootstrap"], False),
                fmt_ci(h["fa_per_24h_ci_poisson"], False),
                fmt_pct(h["precision"]),
                fmt_num(h["f1"], 3),
            ]
            for m, h in doc["headline"].items()
        ],
    )
    if doc["scorers_missing"]:
        head.append("Not reported (scorer not available): " + ", ".join(doc["scorers_missing"]))
    head += ["", f"Excluded recordings ({len(doc['exclusions'])}):"]
    for e in doc["exclusions"]:
        head += textwrap.wrap(f"{Path(str(e['recording'])).name}: {e['reason']}", 120, subsequent_indent="    ")
    pat = _table(
        ["patient", "rec", "hours", "seizures", "detected", "sens", "CI Wilson", "FA", "FA/24h", "TAES sens"],
        [
            [
                p["patient"],
                p["recordings"],
                fmt_num(p["hours"]),
                p["seizures"],
                p["detected"],
                fmt_pct(p["sensitivity"]),
                fmt_ci(p["sensitivity_ci_wilson"]),
                p["false_alarms"],
                fmt_num(p["fa_per_24h"]),
                fmt_pct(p["taes_sensitivity"]),
            ]
            for p in doc["patients"]
        ],
    )
    types = _table(
        ["type", "seizures", "detected", "sens", "CI Wilson"],
        [[t["type"], t["seizures"], t["detected"], fmt_pct(t["sensitivity"]), fmt_ci(t["ci"])] for t in doc["by_type"]],
    )
    lat = doc["latency"]
    types += [
        "",
        f"Latency (n={lat['n']}): median {fmt_num(lat['median'], 1)} s, IQR [{fmt_num(lat['q1'], 1)}, "
        f"{fmt_num(lat['q3'], 1)}], range {fmt_num(lat['min'], 1)} - {fmt_num(lat['max'], 1)} s",
    ]
    mc = doc["model_card"]
    card = (
        [f"{k}: {v}" for k, v in mc.items() if k != "limitations"]
        + ["limitations:"]
        + [f"  - {x}" for x in mc["limitations"]]
    )
    card = [w for line in card for w in (textwrap.wrap(line, 125, subsequent_indent="    ") or [""])]
    with PdfPages(out) as pdf:
        _text_pages(pdf, "Seizure detection: clinical evaluation report", head)
        _text_pages(pdf, "Per patient (OVLP)", pat)
        _text_pages(pdf, "Per seizure type (OVLP) and latency", types)
        for section in ("distributions", "curves", "timelines"):
            for f in figures[section]:
                img = mpimg.imread(io.BytesIO(base64.b64decode(f["png"])), format="png")
                fig = plt.figure(figsize=_A4)
                fig.text(0.06, 0.965, f["title"], fontsize=10, weight="bold", parse_math=False)
                h = min(0.85, 0.88 * img.shape[0] / img.shape[1] * _A4[0] / _A4[1])
                ax = fig.add_axes([0.06, 0.94 - h, 0.88, h])
                ax.imshow(img)
                ax.axis("off")
                pdf.savefig(fig)
                plt.close(fig)
        _text_pages(pdf, "Model card", card)
        info = pdf.infodict()
        info["Title"] = "Seizure detection evaluation report"


def write_pdf(
    doc: dict, figures: dict[str, list[dict]], html_path: str | Path, out: str | Path, engine: str = "auto"
) -> str:
    """Write the PDF; returns the engine used (``chromium`` or ``matplotlib``).

    Parameters
    ----------
    doc : dict
        The report document (:func:`seizure.report.compute.build_document`); read by the
        matplotlib engine only.
    figures : dict of str to list of dict
        The report figures by section (:func:`seizure.report.render.make_figures`): ``curves``,
        ``distributions`` and ``timelines``, each figure ``{"title", "png", ...}`` with ``png``
        base64; read by the matplotlib engine only.
    html_path : path-like
        The HTML report already written, which Chromium prints.
    out : path-like
        The PDF file to write.
    engine : {"auto", "chromium", "matplotlib"}
        ``auto`` prints with Chromium when it is found and falls back to matplotlib (with a
        warning) when printing fails.

    Returns
    -------
    str
        ``"chromium"`` or ``"matplotlib"``.

    Raises
    ------
    ParameterError
        For an engine not in ``PDF_ENGINES``.
    PdfError
        If ``engine="chromium"`` and Chromium is missing or fails.
    """
    out = Path(out)
    check_option(engine, PDF_ENGINES, "pdf engine")
    chromium = find_chromium() if engine in ("auto", "chromium") else None
    if engine == "chromium" and chromium is None:
        raise PdfError("Chromium not found (install Debian's 'chromium' or set SEIZURE_CHROMIUM)")
    if chromium is not None:
        try:
            _chromium_pdf(Path(html_path), out, chromium)
            return "chromium"
        except PdfError as exc:
            if engine == "chromium":
                raise
            logger.warning("%s; writing the PDF with matplotlib instead", exc)
    _matplotlib_pdf(doc, figures, out)
    return "matplotlib"
