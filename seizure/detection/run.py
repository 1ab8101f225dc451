"""Detection on recordings: EDF -> probabilities -> events -> ``.csv_bi``, trace, timeline.

The files written are described in :mod:`seizure.detection.outputs`.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

from seizure._validation import SeizureError
from seizure.detection.model import Detector
from seizure.detection.outputs import MANIFEST, read_probs, write_manifest, write_probs, write_timeline
from seizure.detection.references import find_reference, patient_of
from seizure.detection.stream import stream_probabilities
from seizure.io.annotations import Event, write_csv_bi
from seizure.io.edf import read_header
from seizure.io.events import EDF_DURATION_TOLERANCE_S
from seizure.postprocess import smooth

__all__ = [
    "find_edfs",
    "detect_recording",
    "write_probs",
    "read_probs",
    "write_manifest",
    "MANIFEST",
    "DURATION_MATCH_S",
]

logger = logging.getLogger("seizure")

#: A reference file whose stated duration is within this of the EDF's sets the hypothesis duration,
#: so the pair can be scored (the scorers accept 0.01 s of difference): the corpus's own tolerance.
DURATION_MATCH_S = EDF_DURATION_TOLERANCE_S


def find_edfs(inputs: list[str | os.PathLike]) -> tuple[list[Path], list[dict]]:
    """EDF files named directly or found (recursively, sorted) under folders.

    Parameters
    ----------
    inputs : list of path-like
        EDF files and folders to search (``*.edf``, any letter case, at any depth).

    Returns
    -------
    edfs : list of Path
        Unique files in input order.
    errors : list of dict
        ``{"recording", "reason"}`` for inputs that are neither an EDF file nor a folder holding one,
        and for a second file with an already used base name (outputs are named by it).
    """
    edfs: list[Path] = []
    errors: list[dict] = []
    seen: dict[str, Path] = {}
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            found = sorted(q for q in p.rglob("*") if q.is_file() and q.suffix.lower() == ".edf")
            if not found:
                errors.append({"recording": str(p), "reason": "folder holds no .edf file"})
        elif p.is_file():
            found = [p]
        else:
            errors.append({"recording": str(p), "reason": "no such file or folder"})
            found = []
        for q in found:
            if q.stem in seen:
                if seen[q.stem].resolve() != q.resolve():
                    errors.append(
                        {"recording": str(q), "reason": f"same base name as {seen[q.stem]}; outputs would collide"}
                    )
                continue
            seen[q.stem] = q
            edfs.append(q)
    return edfs, errors


def detect_recording(
    edf: str | os.PathLike,
    detector: Detector,
    out_dir: str | os.PathLike,
    chunk_s: float = 300.0,
    timeline: bool = True,
    progress: Callable[[float, float], None] | None = None,
) -> dict:
    """Run a detector on one EDF and write its outputs under ``out_dir``.

    Parameters
    ----------
    edf : path-like
        The EDF recording; a reference annotation beside it (``.csv_bi``) is used when found.
    detector : Detector
        The loaded detector (network, preprocessing steps and operating point).
    out_dir : path-like
        Detection folder (``hyp/``, ``probs/``, ``timelines/`` are created).
    chunk_s : float
        Seconds of signal processed at a time (memory bound).
    timeline : bool
        Draw the timeline PNG.
    progress : callable, optional
        Called with (seconds done, seconds total) after each chunk of signal.

    Returns
    -------
    dict
        Manifest entry: ``bname``, ``edf``, ``patient``, ``duration_s``, ``events`` (``[start, stop,
        confidence]``), ``hyp``/``probs``/``timeline`` (paths relative to ``out_dir``),
        ``reference`` (annotation file or None), ``reference_error`` (why a reference file beside
        the EDF could not be used, or None: the recording is detected all the same),
        ``n_reference_seizures``, ``channels``, ``absent``, ``flat``, ``seconds``.

    Raises
    ------
    seizure.io.edf.EdfError, seizure.montage.MontageError, seizure.source.QualityError
        For an unreadable EDF, missing electrodes, or a recording the quality policy refuses
        (nothing is written for it).
    """
    t0 = time.perf_counter()
    edf = Path(edf)
    out = Path(out_dir)
    bname = edf.stem
    reference_error = None
    try:
        ref = find_reference(edf)
    except SeizureError as exc:  # a bad reference file never blocks detection on its EDF
        ref, reference_error = None, f"{type(exc).__name__}: {exc}"
        logger.warning("%s: reference annotation not used: %s", edf, exc)
    duration = read_header(edf).duration
    if ref is not None and abs(ref.duration - duration) <= DURATION_MATCH_S:
        duration = ref.duration
    elif ref is not None:
        logger.warning("%s: reference states %.2f s but the EDF lasts %.2f s", ref.source, ref.duration, duration)
    probs, info = stream_probabilities(
        edf,
        detector.net,
        detector.steps,
        detector.step_s,
        detector.window_steps,
        duration=duration,
        chunk_s=chunk_s,
        progress=progress,
    )
    pp = detector.postprocess
    events: list[Event] = pp.predict(probs, duration=duration)
    for sub in ("hyp", "probs", "timelines"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    write_csv_bi(out / "hyp" / f"{bname}.csv_bi", events, duration, bname)
    smoothed = smooth(probs, pp.step_s, pp.smooth_s)
    write_probs(out / "probs" / f"{bname}.csv", probs, pp.step_s, smoothed)
    entry = {
        "bname": bname,
        "edf": str(edf),
        "patient": patient_of(bname),
        "duration_s": float(duration),
        "events": [[e.start, e.stop, e.confidence] for e in events],
        "hyp": f"hyp/{bname}.csv_bi",
        "probs": f"probs/{bname}.csv",
        "timeline": None,
        "reference": ref.source if ref is not None else None,
        "reference_error": reference_error,
        "n_reference_seizures": len(ref.seizures) if ref is not None else None,
        "channels": info["channels"],
        "absent": info["absent"],
        "flat": info["flat"],
    }
    if timeline:
        refs = [(e.start, e.stop) for e in ref.seizures] if ref is not None else []
        title = f"{bname} ({duration / 60:.1f} min, {len(events)} detection(s)" + (
            f", {len(refs)} reference seizure(s))" if ref is not None else ", no reference)"
        )
        write_timeline(
            out / "timelines" / f"{bname}.png",
            title,
            pp.step_s,
            smoothed,
            pp.threshold_,
            refs,
            [(e.start, e.stop) for e in events],
        )
        entry["timeline"] = f"timelines/{bname}.png"
    entry["seconds"] = time.perf_counter() - t0
    return entry
