"""Index a TUSZ v2.0.x corpus from its paths alone.

Layout::

    edf/{train,dev,eval}/<subject>/s<NNN>_<YYYY>_<MM>_<DD>/<montage dir>/<subject>_s<NNN>_t<NNN>.edf
"""

from __future__ import annotations

import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = ["Recording", "CorpusError", "index_tusz", "SPLITS"]

SPLITS = ("train", "dev", "eval")
_PATTERN = re.compile(
    r"edf/(?P<split>[^/]+)/(?P<subject>[a-z]{8})/(?P<session>s\d{3})_(?P<date>\d{4}_\d{2}_\d{2})/"
    r"(?P<montage>\d{2}_tcp_[a-z_]+)/(?P=subject)_(?P=session)_(?P<segment>t\d{3})\.edf$"
)


class CorpusError(ValueError):
    """The corpus directory does not have the expected layout."""


@dataclass(frozen=True)
class Recording:
    """One EDF recording of the corpus and its annotation files (paths are strings)."""

    split: str
    subject: str
    session: str
    date: str
    segment: str
    montage: str
    edf: str
    csv: str | None
    csv_bi: str | None

    @property
    def key(self) -> str:
        """Unique name: ``<montage>/<subject>_<session>_<segment>``."""
        return f"{self.montage}/{self.subject}_{self.session}_{self.segment}"

    @property
    def bname(self) -> str:
        return Path(self.edf).stem

    def to_dict(self) -> dict:
        return asdict(self)


def index_tusz(root: str | os.PathLike) -> list[Recording]:
    """All recordings under ``root/edf`` in the TUSZ v2.0 layout, sorted by path.

    Raises
    ------
    CorpusError
        If ``root/edf`` does not exist or holds no recording in the expected layout.
    """
    root = Path(root)
    edf_root = root / "edf"
    if not edf_root.is_dir():
        raise CorpusError(f"{root}: expected a TUSZ corpus folder containing 'edf/{{train,dev,eval}}/'")
    out: list[Recording] = []
    for path in sorted(edf_root.rglob("*.edf")):
        rel = path.relative_to(root).as_posix()
        m = _PATTERN.search(rel)
        if m is None:
            continue
        csv_bi = path.with_suffix(".csv_bi")
        csv = path.with_suffix(".csv")
        out.append(
            Recording(
                split=m["split"],
                subject=m["subject"],
                session=m["session"],
                date=m["date"].replace("_", "-"),
                segment=m["segment"],
                montage=m["montage"],
                edf=str(path),
                csv=str(csv) if csv.exists() else None,
                csv_bi=str(csv_bi) if csv_bi.exists() else None,
            )
        )
    if not out:
        raise CorpusError(f"{edf_root}: no EDF file matches the TUSZ v2.0 layout")
    subjects: dict[str, str] = {}
    for rec in out:
        prev = subjects.setdefault(rec.subject, rec.split)
        if prev != rec.split:
            raise CorpusError(f"{root}: subject {rec.subject} appears in both '{prev}' and '{rec.split}' splits")
    return out
