"""Generation of a synthetic corpus in the TUSZ v2.0 layout: EDF + ``.csv`` + ``.csv_bi`` files.

``generate_corpus`` plans the corpus (:func:`seizure.synth.plan.plan_corpus`), renders every
recording (optionally in a process pool; each recording has its own random stream so the files
do not depend on ``jobs``), and writes ``synth_manifest.json`` last.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np
from edfio import Edf, EdfSignal, Patient, Recording

from ..io.annotations import write_csv, write_csv_bi
from ..storage import atomic_write_text
from .artifacts import drifts, ecg, electrode_pops, line_noise, mimics, muscle_artifacts, ocular_artifacts, photic
from .layout import SCALP_ELECTRODES, STANDARD_ELECTRODES, edf_label
from .plan import SPLITS, plan_corpus
from .records import CorpusPlan, RecordingPlan
from .seizures import GENERALIZED, render_postictal, render_seizure
from .signals import IDX, add_weighted, alpha_rhythm, background, slow_curve

__all__ = ["MANIFEST_NAME", "synthesize_recording", "write_recording", "generate_corpus"]

logger = logging.getLogger("seizure")

MANIFEST_NAME = "synth_manifest.json"
GENERATOR_VERSION = "2"
_PHYSICAL_RANGES = ((-3276.8, 3276.7), (-5000.0, 5000.0))  # microvolts


def _postictal_lengths(rng, rec: RecordingPlan) -> list[float]:
    """Postictal duration (s) after each seizure, limited by the next seizure / recording end."""
    out = []
    for i, sz in enumerate(rec.seizures):
        nxt = rec.seizures[i + 1].start - 10.0 if i + 1 < len(rec.seizures) else rec.duration - 2.0
        want = rng.uniform(30, 90) if sz.label == "tcsz" else rng.uniform(10, 60)
        want *= 1.0 + max(0.0, min(sz.duration, 300.0) - 60.0) / 240.0  # longer after long seizures
        out.append(float(max(0.0, min(want, nxt - sz.stop))))
    return out


def synthesize_recording(rec: RecordingPlan) -> tuple[list[str], np.ndarray, list]:
    """Render the signals of one planned recording.

    Parameters
    ----------
    rec : RecordingPlan
        The recording; its seed makes the signals reproducible.

    Returns
    -------
    labels : list of str
        EDF channel labels (``EEG FP1-REF`` ... then extra channels).
    data : ndarray, shape (len(labels), duration * sfreq), float32
        Microvolts, referenced as the montage directory says (average or linked ears).
    mimics : list of (str, float, float)
        Rhythmic seizure mimics added: kind, start and stop (seconds).
    """
    labels, rows, added = _render(rec)
    return labels, np.stack(rows), added


def _render(rec: RecordingPlan) -> tuple[list[str], list[np.ndarray], list]:
    """:func:`synthesize_recording` with the channels as a list of rows (no stacked copy)."""
    rng = np.random.default_rng(rec.seed)
    p, fs = rec.patient, float(rec.sfreq)
    n = rec.duration * rec.sfreq
    t = np.arange(n) / fs
    extras = {"T1T2": rng.random() < 0.8, "EKG1": rng.random() < 0.85,
              "PHOTIC": rng.random() < 0.7, "TRENDS": rng.random() < 0.5}  # fmt: skip
    bg_uv = p.bg_uv * rng.uniform(0.9, 1.1)
    exponent = float(np.clip(p.exponent + rng.normal(0, 0.1), 1.0, 2.0))
    eeg = background(rng, n, fs, bg_uv, exponent, knee_hz=rng.uniform(15.0, 35.0))

    post = _postictal_lengths(rng, rec)
    ictal = [(sz.start, sz.stop + pl) for sz, pl in zip(rec.seizures, post)]
    # Slow changes of vigilance, and postictal suppression after generalized seizures.
    gain = np.exp(0.2 * slow_curve(rng, 1, n, fs, 10.0, rho=0.9)[0])
    for sz, pl in zip(rec.seizures, post):
        if sz.label in GENERALIZED and sz.label != "absz" and pl > 0:
            depth = rng.uniform(0.4, 0.7)
            sel = slice(int(sz.stop * fs), int((sz.stop + pl) * fs))
            gain[sel] *= (1 - depth * np.exp(-(t[sel] - sz.stop) / (pl / 2))).astype(np.float32)
    eeg *= gain[None, :]
    alpha_rhythm(rng, eeg, fs, p.alpha_uv * rng.uniform(0.8, 1.2), p.alpha_hz, ictal)

    for sz, pl in zip(rec.seizures, post):
        i0 = int(round(sz.start * fs))
        block = render_seizure(rng, sz, fs, bg_uv, p.polarity)
        eeg[:, i0 : i0 + block.shape[1]] += block[:, : n - i0]
        tail = render_postictal(rng, sz, fs, bg_uv, pl)
        if tail is not None:
            j0 = i0 + block.shape[1]
            eeg[:, j0 : j0 + tail.shape[1]] += tail[:, : max(0, n - j0)]

    busy = [(a - 15.0, b + 10.0) for a, b in ictal]
    added = mimics(rng, eeg, fs, busy)
    photic_channel = photic(rng, eeg, fs, busy)
    ocular_artifacts(rng, eeg, fs)
    muscle_artifacts(rng, eeg, fs)
    electrode_pops(rng, eeg, fs)
    drifts(rng, eeg, fs)
    line_noise(rng, eeg, fs, t)
    heart = ecg(rng, n, fs)
    leak = rng.uniform(0, 0.008)
    add_weighted(eeg, {"A1": leak, "A2": -leak, "T3": leak / 3, "T4": -leak / 3, "T5": leak / 3,
                       "T6": -leak / 3}, heart)  # fmt: skip

    ref_electrodes = ("A1", "A2") if "_le" in rec.montage else SCALP_ELECTRODES
    ref = np.zeros(n, dtype=np.float32)
    for e in ref_electrodes:
        ref += eeg[IDX[e]]
    ref /= np.float32(len(ref_electrodes))
    eeg -= ref[None, :]

    electrodes = [e for e in STANDARD_ELECTRODES if not (rec.montage.endswith("_a") and e in ("A1", "A2"))]
    if extras["T1T2"]:
        electrodes += ["T1", "T2"]
    labels = [edf_label(e, rec.montage) for e in electrodes]
    rows = [eeg[IDX[e]] for e in electrodes]
    if extras["EKG1"]:
        labels.append(edf_label("EKG1", rec.montage))
        rows.append(heart + rng.normal(0, 5, n).astype(np.float32))
    if extras["PHOTIC"]:
        labels.append("PHOTIC-REF")
        rows.append(photic_channel)
    if extras["TRENDS"]:
        labels += ["IBI", "BURSTS", "SUPPR"]
        rows += [np.zeros(n, dtype=np.float32)] * 3
    return labels, rows, added


def _write_edf(path: Path, rec: RecordingPlan, labels: list[str], rows: list[np.ndarray], phys) -> None:
    """Write int16 EDF (1-s records), clipping each row in place to the physical range (uV)."""
    lo, hi = phys
    signals = []
    for label, row in zip(labels, rows):
        np.clip(row, lo, hi, out=row)
        signals.append(EdfSignal(row, rec.sfreq, label=label, physical_dimension="uV",
                                 physical_range=(lo, hi), digital_range=(-32768, 32767)))  # fmt: skip
    edf = Edf(
        signals,
        patient=Patient(code=rec.subject, sex="X", name="X"),
        recording=Recording(startdate=rec.date, hospital_administration_code=rec.bname),
        starttime=datetime.time(*rec.start_time),
        data_record_duration=1,
    )
    tmp = path.with_name(path.name + ".tmp")
    edf.write(tmp)
    os.replace(tmp, path)


def write_recording(out_dir: str | os.PathLike, rec: RecordingPlan) -> dict:
    """Render one recording and write its ``.edf``, ``.csv`` and ``.csv_bi``; return its manifest entry.

    Parameters
    ----------
    out_dir : str | os.PathLike
        Corpus root; the files go under ``rec.rel_dir``.
    rec : RecordingPlan
        The recording.

    Returns
    -------
    dict
        The manifest entry: split, subject, session, montage, file paths relative to ``out_dir``,
        ``sfreq`` (Hz), ``duration_s``, channel and seizure counts, ``seizure_s``, seizure types
        and the mimics added.
    """
    out = Path(out_dir)
    (out / rec.rel_dir).mkdir(parents=True, exist_ok=True)
    labels, rows, added = _render(rec)
    phys = _PHYSICAL_RANGES[0] if rec.index % 5 else _PHYSICAL_RANGES[1]
    _write_edf(out / rec.rel_path("edf"), rec, labels, rows, phys)
    del rows
    write_csv(out / rec.rel_path("csv"), rec.channel_events(), float(rec.duration), rec.bname)
    term = rec.term_events()
    write_csv_bi(out / rec.rel_path("csv_bi"), term, float(rec.duration), rec.bname)
    return {
        "split": rec.split,
        "subject": rec.subject,
        "session": rec.session,
        "montage": rec.montage,
        "edf": rec.rel_path("edf"),
        "csv": rec.rel_path("csv"),
        "csv_bi": rec.rel_path("csv_bi"),
        "sfreq": rec.sfreq,
        "duration_s": float(rec.duration),
        "n_channels": len(labels),
        "n_seizures": len(term),
        "seizure_s": round(sum(e.duration for e in term), 2),
        "seizure_types": [sz.label for sz in rec.seizures],
        "mimics": [{"kind": k, "start": a, "stop": b} for k, a, b in added],
    }


def _totals(entries: list[dict]) -> dict:
    def block(items: list[dict]) -> dict:
        dur = sum(e["duration_s"] for e in items)
        sz = sum(e["seizure_s"] for e in items)
        return {
            "n_recordings": len(items),
            "n_patients": len({e["subject"] for e in items}),
            "duration_s": round(dur, 2),
            "n_seizures": sum(e["n_seizures"] for e in items),
            "seizure_s": round(sz, 2),
            "seizure_fraction": round(sz / dur, 5) if dur else 0.0,
        }

    totals = block(entries)
    totals["per_split"] = {s: block([e for e in entries if e["split"] == s]) for s in SPLITS}
    return totals


def generate_corpus(
    out_dir,
    n_patients: int = 12,
    hours: float = 3.0,
    seed: int = 0,
    split_fractions=(0.5, 0.25, 0.25),
    jobs: int = 1,
    progress=None,
) -> dict:
    """Generate a synthetic TUSZ-like corpus under ``out_dir``.

    Writes ``edf/{train,dev,eval}/<subject>/sNNN_YYYY_MM_DD/<montage dir>/<subject>_sNNN_tNNN``
    ``.edf``/``.csv``/``.csv_bi`` files, then ``synth_manifest.json``.

    Parameters
    ----------
    out_dir : str or path-like
        Corpus root (created if needed; existing files of the same names are overwritten).
    n_patients : int
        Number of patients (reduced when ``hours`` is too short for one 60-s recording each).
    hours : float
        Total recording time in hours (the sum of the durations is within 3% of it).
    seed : int
        Random seed: the same seed gives byte-identical files.
    split_fractions : sequence of 3 float
        Share of patients in train, dev and eval (patients are disjoint across splits).
    jobs : int
        Worker processes (``<= 0``: one per CPU). The files do not depend on it.
    progress : callable, optional
        ``progress(done, total)`` after each written recording.

    Returns
    -------
    dict
        The manifest: ``params``, ``recordings`` (paths relative to ``out_dir``), ``totals``.
    """
    plan: CorpusPlan = plan_corpus(n_patients, hours, seed, split_fractions)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    manifest_path = out / MANIFEST_NAME
    if manifest_path.exists():
        manifest_path.unlink()  # a manifest only ever describes a complete corpus
    jobs = (os.cpu_count() or 1) if jobs is None or jobs <= 0 else int(jobs)
    recs = plan.recordings
    entries: list[dict | None] = [None] * len(recs)
    logger.info("synth: writing %d recordings (%.0f s) to %s with %d job(s)",
                len(recs), plan.duration_s, out, jobs)  # fmt: skip
    if jobs == 1 or len(recs) == 1:
        for i, rec in enumerate(recs):
            entries[i] = write_recording(out, rec)
            if progress is not None:
                progress(i + 1, len(recs))
    else:
        order = sorted(range(len(recs)), key=lambda i: -recs[i].duration * recs[i].sfreq)
        with ProcessPoolExecutor(max_workers=min(jobs, len(recs))) as pool:
            futures = {pool.submit(write_recording, out, recs[i]): i for i in order}
            for done, fut in enumerate(as_completed(futures), start=1):
                entries[futures[fut]] = fut.result()
                if progress is not None:
                    progress(done, len(recs))
    params = dict(plan.params)
    params["n_patients_used"] = len(plan.patients)
    params["generator"] = f"seizure.synth v{GENERATOR_VERSION}"
    manifest = {"params": params, "recordings": entries, "totals": _totals(entries)}
    atomic_write_text(manifest_path, json.dumps(manifest, indent=2) + "\n")
    return manifest
