"""Stage: score a directory of hypothesis csv_bi files against a directory of references."""

from __future__ import annotations

from pathlib import Path

from seizure.io.annotations import Annotation, read_csv_bi
from seizure.scoring import score_pairs

__all__ = ["pair_files", "score_dirs"]


def pair_files(ref_dir: str | Path, hyp_dir: str | Path, missing_hyp_as_empty: bool = False):
    """Pair ``*.csv_bi`` files of two directory trees by file name.

    Raises
    ------
    FileNotFoundError
        For a reference without hypothesis (unless ``missing_hyp_as_empty``), naming the file.
    ValueError
        For a file name found twice in one tree.
    """
    def collect(root: Path) -> dict[str, Path]:
        if not root.is_dir():
            raise FileNotFoundError(f"{root}: not a directory")
        out: dict[str, Path] = {}
        for p in sorted(root.rglob("*.csv_bi")):
            if p.name in out:
                raise ValueError(f"{p}: file name also found at {out[p.name]}; pairing by name is ambiguous")
            out[p.name] = p
        return out

    refs, hyps = collect(Path(ref_dir)), collect(Path(hyp_dir))
    if not refs:
        raise FileNotFoundError(f"{ref_dir}: no *.csv_bi reference file found")
    pairs = []
    for name, rp in refs.items():
        ref = read_csv_bi(rp)
        if name in hyps:
            pairs.append((ref, read_csv_bi(hyps[name])))
        elif missing_hyp_as_empty:
            pairs.append((ref, Annotation(ref.bname, ref.duration, [])))
        else:
            raise FileNotFoundError(
                f"{rp}: no hypothesis file {name} under {hyp_dir} (use --missing-hyp-as-empty to score it as no detections)"
            )
    return pairs


def score_dirs(ref_dir, hyp_dir, missing_hyp_as_empty: bool = False) -> dict:
    """``score_pairs`` over the paired files: OVLP, TAES and EPOCH."""
    return score_pairs(pair_files(ref_dir, hyp_dir, missing_hyp_as_empty), metrics=("ovlp", "taes", "epoch"))
