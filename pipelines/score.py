"""Stage: score hypothesis annotation files against reference annotation files.

REF and HYP are each a directory, searched recursively for ``*.csv_bi`` and BIDS ``*_events.tsv``
files and paired by file name, or a list file with one path per line, paired by line as the
official ``nedc_eeg_eval`` does (a directory and a list are paired by file name). Lines paired by
line must name the same recording (:func:`pair_files`), and no file or recording may be listed
twice: a swapped or repeated line is an error naming the list file and the line, not a silently
wrong score.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from seizure.io.annotations import EVENTS_SUFFIX, Annotation, AnnotationError, read_annotations, recording_name
from seizure.io.references import subject_of
from seizure.io.text import read_text
from seizure.scoring import (
    DEFAULT_METRICS,
    EPOCH_S,
    LABELS,
    PAIR_DURATION_TOLERANCE_S,
    ScoringError,
    SzcoreParams,
    map_label,
    score_corpus,
)
from seizure.scoring.corpus import check_metrics

__all__ = ["SCORED_SUFFIXES", "ScoreFileNotFound", "list_files", "pair_files", "score_files", "format_scores"]

#: Files a directory is searched for.
SCORED_SUFFIXES = (".csv_bi", EVENTS_SUFFIX)

# (file, where it was named: "<list file>:<line>" or the directory searched)
_Entry = tuple[Path, str]


class ScoreFileNotFound(ScoringError, FileNotFoundError):
    """A reference, hypothesis or list file to score does not exist."""


def _entries(spec: str | Path) -> tuple[list[_Entry], bool]:
    root = Path(spec)
    if root.is_dir():
        files = sorted(p for p in root.rglob("*") if p.is_file() and p.name.endswith(SCORED_SUFFIXES))
        return [(p, str(root)) for p in files], False
    if not root.is_file():
        raise ScoreFileNotFound(f"{root}: no such directory or list file")
    out: list[_Entry] = []
    first_line: dict[Path, int] = {}
    for lineno, raw in enumerate(read_text(root, ScoringError, "list").split("\n"), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        p = Path(line)
        if not p.is_absolute() and not p.exists() and (root.parent / p).exists():
            p = root.parent / p
        if not p.is_file():
            raise ScoreFileNotFound(f"{root}:{lineno}: listed file {line} does not exist")
        key = p.resolve()
        if key in first_line:
            raise ScoringError(
                f"{root}:{lineno}: {line} is already listed at line {first_line[key]}; expected each file once "
                "(a file listed twice would be scored twice)"
            )
        first_line[key] = lineno
        out.append((p, f"{root}:{lineno}"))
    return out, True


def list_files(spec: str | Path) -> tuple[list[Path], bool]:
    """The annotation files named by a directory or a list file.

    Parameters
    ----------
    spec : str or Path
        A directory (searched recursively for :data:`SCORED_SUFFIXES`) or a text file with
        one path per line (blank lines and ``#`` comments skipped; relative paths are taken
        from the current directory, else from the list file's folder; a byte order mark and
        CRLF line endings are accepted).

    Returns
    -------
    (list of Path, bool)
        The files (sorted for a directory, in line order for a list) and whether ``spec``
        was a list file.

    Raises
    ------
    ScoreFileNotFound
        If ``spec`` does not exist, or a listed file does not (naming the list and line).
    ScoringError
        If a list names one file twice (naming the list and both lines).
    """
    entries, is_list = _entries(spec)
    return [p for p, _ in entries], is_list


def _by_name(entries: list[_Entry]) -> dict[str, _Entry]:
    out: dict[str, _Entry] = {}
    for p, where in entries:
        if p.name in out:
            other, other_where = out[p.name]
            raise ScoringError(
                f"{p} ({where}): file name {p.name} also found at {other} ({other_where}); pairing by name is "
                "ambiguous, expected each file name once"
            )
        out[p.name] = (p, where)
    return out


def _load(path: Path, role: str, where: str, is_list: bool) -> Annotation:
    at = f"{where}: " if is_list else ""
    try:
        ann = read_annotations(path)
    except AnnotationError as exc:
        if not is_list:
            raise
        raise AnnotationError(f"{at}{role} {exc}") from None
    for ev in ann.events:
        try:
            map_label(ev.label)
        except ScoringError as exc:
            raise ScoringError(f"{at}{role} {path}: {exc}") from None
    return ann


def _names(path: Path, ann: Annotation) -> set[str]:
    """The names a file gives its recording: file name without suffix, and header bname."""
    return {recording_name(path), ann.bname}


def _check_same_recording(ref: _Entry, hyp: _Entry, r: Annotation, h: Annotation) -> None:
    (rp, r_where), (hp, h_where) = ref, hyp
    ref_names, hyp_names = _names(rp, r), _names(hp, h)
    if not ref_names & hyp_names:
        raise ScoringError(
            f"{h_where}: hypothesis {hp} is recording {' / '.join(sorted(hyp_names))}, but the reference on that "
            f"line, {rp} ({r_where}), is recording {' / '.join(sorted(ref_names))}; list files are paired by line, "
            "expected both lines to name the same recording (same bname or file stem)"
        )


def pair_files(
    ref: str | Path,
    hyp: str | Path,
    missing_hyp_as_empty: bool = False,
    tolerance: float = PAIR_DURATION_TOLERANCE_S,
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
    ScoreFileNotFound
        For a reference without hypothesis (unless ``missing_hyp_as_empty``), or no
        reference file at all.
    ScoringError
        For list files of different lengths, lines of two list files that name different
        recordings (neither the file stems, suffix removed, nor the header bnames agree), a
        file or recording listed twice, a hypothesis without reference, a file name found twice
        in one tree, durations that disagree or an unknown label; the message names the file(s)
        and, for list files, the line.
    """
    ref_entries, ref_is_list = _entries(ref)
    hyp_entries, hyp_is_list = _entries(hyp)
    if not ref_entries:
        raise ScoreFileNotFound(f"{ref}: no reference annotation file ({', '.join('*' + s for s in SCORED_SUFFIXES)})")
    by_line = ref_is_list and hyp_is_list
    if by_line:
        if len(ref_entries) != len(hyp_entries):
            raise ScoringError(
                f"{ref} lists {len(ref_entries)} files but {hyp} lists {len(hyp_entries)}; list files are paired "
                "by line, expected the same number of files"
            )
        matched: list[tuple[_Entry, _Entry | None]] = list(zip(ref_entries, hyp_entries))
    else:
        refs, hyps = _by_name(ref_entries), _by_name(hyp_entries)
        extra = sorted(set(hyps) - set(refs))
        if extra:
            raise ScoringError(f"{hyps[extra[0]][0]}: hypothesis without a reference file of that name under {ref}"
                               + (f" (and {len(extra) - 1} more)" if len(extra) > 1 else ""))  # fmt: skip
        matched = [(entry, hyps.get(name)) for name, entry in refs.items()]
    pairs = []
    seen: dict[str, str] = {}
    for ref_entry, hyp_entry in matched:
        rp, r_where = ref_entry
        r = _load(rp, "reference", r_where, ref_is_list)
        name = recording_name(rp)
        at = r_where if ref_is_list else str(rp)
        if name in seen:
            raise ScoringError(
                f"{at}: reference {rp} is recording {name!r}, already listed at {seen[name]}; expected each "
                "recording once (it would be scored twice)"
            )
        seen[name] = at
        if hyp_entry is None:
            if not missing_hyp_as_empty:
                raise ScoreFileNotFound(
                    f"{rp}: no hypothesis file {rp.name} under {hyp} (use --missing-hyp-as-empty to score it as no "
                    "detections)"
                )
            h = Annotation(r.bname, r.duration, [])
        else:
            hp, h_where = hyp_entry
            h = _load(hp, "hypothesis", h_where, hyp_is_list)
            if by_line:
                _check_same_recording(ref_entry, hyp_entry, r, h)
            if abs(float(r.duration) - float(h.duration)) > tolerance:
                raise ScoringError(
                    f"{hp}: duration {h.duration} s differs from its reference {rp} ({r.duration} s) "
                    f"by more than {tolerance} s"
                )
        pairs.append((r, h))
    return pairs, [entry[0] for entry, _ in matched]


def score_files(
    ref: str | Path,
    hyp: str | Path,
    metrics: Sequence[str] = DEFAULT_METRICS,
    *,
    missing_hyp_as_empty: bool = False,
    epoch_s: float = EPOCH_S,
    szcore: SzcoreParams = SzcoreParams(),
    tolerance: float = PAIR_DURATION_TOLERANCE_S,
) -> dict:
    """Pair and score reference and hypothesis files.

    Parameters
    ----------
    ref, hyp : str or Path
        Directories or list files (see :func:`pair_files`).
    metrics : sequence of str
        Names from :data:`seizure.scoring.METRICS`.
    missing_hyp_as_empty : bool
        Score a reference without a hypothesis as "no detections".
    epoch_s : float
        Epoch length of EPOCH and IRA, seconds.
    szcore : SzcoreParams
        SzCORE parameters.
    tolerance : float
        Largest accepted duration difference within a pair, seconds.

    Returns
    -------
    dict
        :func:`seizure.scoring.score_corpus`'s document; SzCORE subjects come from the
        reference paths with :func:`seizure.io.references.subject_of` (TUSZ
        ``aaaaaaac_s001_t000``, BIDS ``sub-XX``, else the name before the first ``_``).
    """
    metrics = check_metrics(metrics)
    pairs, paths = pair_files(ref, hyp, missing_hyp_as_empty, tolerance)
    return score_corpus(
        pairs,
        metrics,
        subjects=[subject_of(p) for p in paths],
        epoch_s=epoch_s,
        szcore=szcore,
        tolerance=tolerance,
    )


_SZ = SzcoreParams()
_TITLES = {
    "ovlp": "NEDC OVLP (any-overlap)",
    "taes": "NEDC TAES (time-aligned, official whole-second overlap test)",
    "taes_exact": "TAES with exact overlap (not the official tool's figures)",
    "epoch": "NEDC EPOCH ({epoch_s:g} s epochs; counts are epochs)",
    "dpalign": "NEDC DPALIGN (label-sequence alignment)",
    "ira": "NEDC IRA (Cohen's kappa on {epoch_s:g} s epochs)",
    "szcore_event": f"SzCORE event scoring (timescoring defaults: -{_SZ.tolerance_start:g} s/+{_SZ.tolerance_end:g} s, "
    f"merge < {_SZ.min_duration_between_events:g} s, split > {_SZ.max_event_duration:g} s)",
    "szcore_sample": f"SzCORE sample scoring ({_SZ.sample_fs:g} Hz label masks; counts are seconds)",
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
    head = (
        f"  {'':<5} {'Targets':>10} {'Hits':>10} {'Misses':>10} {'False al.':>10} {'Sens.':>8} "
        f"{'Spec.':>8} {'Prec.':>8} {'F1':>6} {'FA/24h':>10}"
    )
    for metric, res in doc["metrics"].items():
        lines.append(_TITLES.get(metric, metric).format(epoch_s=epoch_s))
        if metric == "ira":
            lines.append(
                "  "
                + "  ".join(f"{lab.upper()} kappa {_num(res[lab]['kappa'], '.4f')}" for lab in LABELS)
                + f"  multi-class kappa {_num(res['multi_class_kappa'], '.4f')}"
            )
        elif metric.startswith("szcore"):
            ps = res["per_subject"]
            lines.append(
                f"  pooled:      TP {res['tp']}  FP {res['fp']}  reference {res['ref_true']}  "
                f"sensitivity {_pct(res['sensitivity'])}  precision {_pct(res['precision'])}  "
                f"F1 {_num(res['f1'], '.4f')}  FP/24h {_num(res['fp_per_24h'])}"
            )
            lines.append(
                "  per subject: "
                + "  ".join(
                    f"{name} {_num(ps[key + '_mean'], '.4f')} +- {_num(ps[key + '_std'], '.4f')}"
                    for name, key in (
                        ("sensitivity", "sensitivity"),
                        ("precision", "precision"),
                        ("F1", "f1"),
                        ("FP/24h", "fp_per_24h"),
                    )
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
