"""Stage: score hypothesis annotation files against reference annotation files.

REF and HYP are each a directory, searched recursively for ``*.csv_bi`` and BIDS
``*_events.tsv`` files and paired by file name, or a list file with one path per line, paired by
line as the official ``nedc_eeg_eval`` does (a directory and a list are paired by file name).
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from seizure.io.annotations import Annotation, read_annotations
from seizure.scoring import (
    DEFAULT_METRICS,
    DURATION_TOLERANCE_S,
    EPOCH_S,
    LABELS,
    SzcoreParams,
    map_label,
    score_corpus,
    subject_of,
)
from seizure.scoring.corpus import check_metrics

__all__ = ["SCORED_SUFFIXES", "list_files", "pair_files", "score_files", "score_dirs", "format_scores"]

#: Files a directory is searched for.
SCORED_SUFFIXES = (".csv_bi", "_events.tsv")


def list_files(spec: str | Path) -> tuple[list[Path], bool]:
    """The annotation files named by a directory or a list file.

    Parameters
    ----------
    spec : str or Path
        A directory (searched recursively for :data:`SCORED_SUFFIXES`) or a text file with
        one path per line (blank lines and ``#`` comments skipped; relative paths are taken
        from the current directory, else from the list file's folder).

    Returns
    -------
    (list of Path, bool)
        The files (sorted for a directory, in line order for a list) and whether ``spec``
        was a list file.

    Raises
    ------
    FileNotFoundError
        If ``spec`` does not exist, or a listed file does not (naming the list and line).
    """
    root = Path(spec)
    if root.is_dir():
        files = sorted(p for p in root.rglob("*") if p.is_file() and p.name.endswith(SCORED_SUFFIXES))
        return files, False
    if not root.is_file():
        raise FileNotFoundError(f"{root}: no such directory or list file")
    files = []
    for lineno, raw in enumerate(root.read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        p = Path(line)
        if not p.is_absolute() and not p.exists() and (root.parent / p).exists():
            p = root.parent / p
        if not p.is_file():
            raise FileNotFoundError(f"{root}:{lineno}: listed file {line} does not exist")
        files.append(p)
    return files, True


def _by_name(files: list[Path], where: str | Path) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for p in files:
        if p.name in out:
            raise ValueError(f"{p}: file name also found at {out[p.name]} under {where}; pairing by name is ambiguous")
        out[p.name] = p
    return out


def _load(path: Path, role: str) -> Annotation:
    ann = read_annotations(path)
    for ev in ann.events:
        try:
            map_label(ev.label)
        except ValueError as exc:
            raise ValueError(f"{role} {path}: {exc}") from None
    return ann


def pair_files(
    ref: str | Path,
    hyp: str | Path,
    missing_hyp_as_empty: bool = False,
    tolerance: float = DURATION_TOLERANCE_S,
) -> tuple[list[tuple[Annotation, Annotation]], list[Path]]:
    """Read and pair reference and hypothesis files.

    Parameters
    ----------
    ref, hyp : str or Path
        Directories or list files (see :func:`list_files`).
    missing_hyp_as_empty : bool
        Score a reference without a hypothesis as "no detections" instead of failing.
    tolerance : float
        Largest accepted duration difference within a pair, seconds.

    Returns
    -------
    (list of (Annotation, Annotation), list of Path)
        The pairs, and the reference path of each pair.

    Raises
    ------
    FileNotFoundError
        For a reference without hypothesis (unless ``missing_hyp_as_empty``), or no
        reference file at all.
    ValueError
        For list files of different lengths, a hypothesis without reference, a file name
        found twice in one tree, durations that disagree or an unknown label; the message
        names the file(s).
    """
    ref_files, ref_is_list = list_files(ref)
    hyp_files, hyp_is_list = list_files(hyp)
    if not ref_files:
        raise FileNotFoundError(f"{ref}: no reference annotation file ({', '.join('*' + s for s in SCORED_SUFFIXES)})")
    if ref_is_list and hyp_is_list:
        if len(ref_files) != len(hyp_files):
            raise ValueError(
                f"{ref} lists {len(ref_files)} files but {hyp} lists {len(hyp_files)}; list files are paired by line"
            )
        matched: list[tuple[Path, Path | None]] = list(zip(ref_files, hyp_files))
    else:
        refs, hyps = _by_name(ref_files, ref), _by_name(hyp_files, hyp)
        extra = sorted(set(hyps) - set(refs))
        if extra:
            raise ValueError(f"{hyps[extra[0]]}: hypothesis without a reference file of that name under {ref}"
                             + (f" (and {len(extra) - 1} more)" if len(extra) > 1 else ""))
        matched = [(p, hyps.get(name)) for name, p in refs.items()]
    pairs = []
    for rp, hp in matched:
        r = _load(rp, "reference")
        if hp is None:
            if not missing_hyp_as_empty:
                raise FileNotFoundError(
                    f"{rp}: no hypothesis file {rp.name} under {hyp} (use --missing-hyp-as-empty to score it as no detections)"
                )
            h = Annotation(r.bname, r.duration, [])
        else:
            h = _load(hp, "hypothesis")
            if abs(float(r.duration) - float(h.duration)) > tolerance:
                raise ValueError(
                    f"{hp}: duration {h.duration} s differs from its reference {rp} ({r.duration} s) "
                    f"by more than {tolerance} s"
                )
        pairs.append((r, h))
    return pairs, [rp for rp, _ in matched]


def score_files(
    ref: str | Path,
    hyp: str | Path,
    metrics: Sequence[str] = DEFAULT_METRICS,
    *,
    missing_hyp_as_empty: bool = False,
    epoch_s: float = EPOCH_S,
    szcore: SzcoreParams = SzcoreParams(),
    tolerance: float = DURATION_TOLERANCE_S,
) -> dict:
    """Pair and score reference and hypothesis files.

    Returns
    -------
    dict
        :func:`seizure.scoring.score_corpus`'s document; SzCORE subjects come from the
        reference paths (TUSZ ``aaaaaaac_s001_t000`` or BIDS ``sub-XX``).
    """
    metrics = check_metrics(metrics)
    pairs, paths = pair_files(ref, hyp, missing_hyp_as_empty, tolerance)
    return score_corpus(
        pairs, metrics, subjects=[subject_of(str(p)) for p in paths], epoch_s=epoch_s, szcore=szcore,
        tolerance=tolerance,
    )


def score_dirs(ref_dir, hyp_dir, missing_hyp_as_empty: bool = False) -> dict:
    """OVLP, TAES and EPOCH scores of two directories (kept for existing callers)."""
    return score_files(ref_dir, hyp_dir, ("ovlp", "taes", "epoch"), missing_hyp_as_empty=missing_hyp_as_empty)


_TITLES = {
    "ovlp": "NEDC OVLP (any-overlap)",
    "taes": "NEDC TAES (time-aligned, official whole-second overlap test)",
    "taes_exact": "TAES with exact overlap (not the official tool's figures)",
    "epoch": "NEDC EPOCH ({epoch_s:g} s epochs; counts are epochs)",
    "dpalign": "NEDC DPALIGN (label-sequence alignment)",
    "ira": "NEDC IRA (Cohen's kappa on {epoch_s:g} s epochs)",
    "szcore_event": "SzCORE event scoring (timescoring defaults: -30 s/+60 s, merge < 90 s, split > 300 s)",
    "szcore_sample": "SzCORE sample scoring (1 Hz label masks; counts are seconds)",
}


def _pct(x) -> str:
    return "n/a" if x is None else f"{100 * x:.2f}%"


def _num(x, fmt: str = ".2f") -> str:
    return "n/a" if x is None else format(x, fmt)


def format_scores(doc: dict, epoch_s: float = EPOCH_S) -> str:
    """The scores as text: one block per metric with the SEIZ and BCKG rows.

    Parameters
    ----------
    doc : dict
        :func:`score_files` output.
    epoch_s : float
        Epoch length used (for the titles).

    Returns
    -------
    str
        Lines ending with a newline.
    """
    hours = doc["total_duration_s"] / 3600
    lines = [f"{doc['n_files']} files, {hours:.2f} h ({doc['total_duration_s']:.0f} s); FA/24h over all files", ""]
    head = (f"  {'':<5} {'Targets':>10} {'Hits':>10} {'Misses':>10} {'False al.':>10} {'Sens.':>8} "
            f"{'Spec.':>8} {'Prec.':>8} {'F1':>6} {'FA/24h':>10}")
    for metric, res in doc["metrics"].items():
        lines.append(_TITLES.get(metric, metric).format(epoch_s=epoch_s))
        if metric == "ira":
            lines.append("  " + "  ".join(f"{lab.upper()} kappa {_num(res[lab]['kappa'], '.4f')}" for lab in LABELS)
                         + f"  multi-class kappa {_num(res['multi_class_kappa'], '.4f')}")
        elif metric.startswith("szcore"):
            ps = res["per_subject"]
            lines.append(
                f"  pooled:      TP {res['tp']}  FP {res['fp']}  reference {res['ref_true']}  "
                f"sensitivity {_pct(res['sensitivity'])}  precision {_pct(res['precision'])}  "
                f"F1 {_num(res['f1'], '.4f')}  FP/24h {_num(res['fp_per_24h'])}"
            )
            lines.append(
                "  per subject: " + "  ".join(
                    f"{name} {_num(ps[key + '_mean'], '.4f')} +- {_num(ps[key + '_std'], '.4f')}"
                    for name, key in (("sensitivity", "sensitivity"), ("precision", "precision"),
                                      ("F1", "f1"), ("FP/24h", "fp_per_24h"))
                )
            )
        else:
            lines.append(head)
            for lab in LABELS:
                r = res[lab]
                lines.append(
                    f"  {lab.upper():<5} {r['targets']:>10.2f} {r['hits']:>10.2f} {r['misses']:>10.2f} "
                    f"{r['false_alarms']:>10.2f} {_pct(r['sensitivity']):>8} {_pct(r['specificity']):>8} "
                    f"{_pct(r['precision']):>8} {_num(r['f1'], '.4f'):>6} {_num(r['fa_per_24h']):>10}"
                )
        lines.append("")
    return "\n".join(lines)
