"""Every number of the evaluation report, as one JSON-serializable document.

Contents follow Beniczky & Ryvlin (Epilepsia 2018), standards for testing and clinical validation
of seizure detection devices: total recording time, patients and seizures; sensitivity with 95%
confidence interval overall and per patient; FA/24h overall and per patient; detection latency;
results per seizure type; the operating point and how it was chosen.
"""

from __future__ import annotations

import platform
from datetime import datetime, timezone

import numpy as np

from seizure.io.annotations import Event
from seizure.operating_point import candidate_thresholds, sweep
from seizure.postprocess import EventDetector
from seizure.report.data import EvalRecording, ReportInput
from seizure.report.model_card import model_card
from seizure.report.plots import ANCHORS
from seizure.report.stats import bootstrap_patients, describe, match_seizures, poisson_rate_interval, wilson
from seizure.scoring import Counts, ovlp, summarize, taes

__all__ = ["SCHEMA", "CI_METHODS", "build_document", "scorers"]

SCHEMA = "seizure-report/1"
CI_METHODS = {
    "sensitivity": "patient-level percentile bootstrap (2000 resamples of patients, seed 0); "
    "Wilson score interval over seizures given alongside",
    "fa_per_24h": "patient-level percentile bootstrap; exact Poisson (Garwood) interval over the "
    "total recording time given alongside",
}
_DAY = 86400.0


def _szcore_counts(fn):
    """Adapter: ``szcore_event``'s ``tp``/``fp``/``ref_true`` as NEDC-style ``{"seiz": Counts}``."""

    def score(ref, hyp, duration):
        out = fn(ref, hyp, duration)
        tp, n = float(out["tp"]), float(out["ref_true"])
        return {"seiz": Counts(targets=n, hits=tp, misses=n - tp, false_alarms=float(out["fp"]))}

    return score


def scorers() -> dict:
    """Scoring functions ``(ref, hyp, duration) -> {"seiz": Counts, ...}`` available in this build.

    OVLP and TAES (NEDC ``nedc_eeg_eval`` v6.0.0) always; SzCORE event scoring (``timescoring``
    defaults: 90 s merge, 300 s split, 30 s before / 60 s after tolerance) when
    :mod:`seizure.scoring` provides ``szcore_event``.
    """
    import seizure.scoring as scoring

    out = {"ovlp": ovlp, "taes": taes}
    if hasattr(scoring, "szcore_event"):
        out["szcore"] = _szcore_counts(scoring.szcore_event)
    return out


def _round(x, nd: int = 6):
    return None if x is None else round(float(x), nd)


def _headline(per_rec: list[dict], metric: str, patients: list[str], n_boot: int) -> dict:
    total = Counts()
    for r in per_rec:
        total = total + r["counts"][metric]
    dur = sum(r["duration"] for r in per_rec)
    row = summarize(total, dur)
    by_pat = {p: [0.0, 0.0, 0.0, 0.0] for p in patients}
    for r in per_rec:
        c = r["counts"][metric]
        acc = by_pat[r["patient"]]
        acc[0] += c.hits
        acc[1] += c.targets
        acc[2] += c.false_alarms
        acc[3] += r["duration"]
    arr = np.array([by_pat[p] for p in patients]) if patients else np.zeros((0, 4))
    boot = bootstrap_patients(arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3], n_boot=n_boot)
    with_sz = arr[arr[:, 1] > 0] if len(arr) else arr
    pat_sens = with_sz[:, 0] / with_sz[:, 1] if len(with_sz) else np.zeros(0)
    pat_fa = arr[:, 2] / np.maximum(arr[:, 3], 1e-9) * _DAY if len(arr) else np.zeros(0)
    return {
        **{k: _round(v) for k, v in row.items() if k != "specificity"},
        "total_duration_s": dur,
        "sensitivity_ci_bootstrap": boot["sensitivity"],
        "sensitivity_ci_wilson": list(wilson(total.hits, total.targets) or []) or None,
        "fa_per_24h_ci_bootstrap": boot["fa_per_24h"],
        "fa_per_24h_ci_poisson": list(poisson_rate_interval(total.false_alarms, dur) or []) or None,
        "n_patients": boot["n_patients"],
        "patient_mean_sensitivity": float(pat_sens.mean()) if pat_sens.size else None,
        "patient_std_sensitivity": float(pat_sens.std()) if pat_sens.size else None,
        "patient_mean_fa_per_24h": float(pat_fa.mean()) if pat_fa.size else None,
        "patient_std_fa_per_24h": float(pat_fa.std()) if pat_fa.size else None,
    }


def _curves(records: list[EvalRecording], det: EventDetector, available: dict) -> dict:
    have = [r for r in records if r.probs is not None]
    if not have or len(have) < len(records):
        return {}
    probs = [np.asarray(r.probs, dtype=float) for r in have]
    refs = [[Event(e.start, e.stop, "seiz") for e in r.refs] for r in have]
    durs = [r.duration for r in have]
    thr = candidate_thresholds(probs, det)
    out = {m: sweep(probs, refs, durs, det, thr, m) for m in ("ovlp", "taes") if m in available}
    if "szcore" in available:  # operating_point.sweep knows OVLP and TAES only
        rows = []
        total = float(sum(durs))
        for t in np.sort(thr):
            acc = Counts()
            for p, ref, d in zip(probs, refs, durs):
                acc = acc + available["szcore"](ref, det.predict(p, duration=d, threshold=float(t)), d)["seiz"]
            s = summarize(acc, total)
            rows.append(
                {
                    "threshold": float(t),
                    "sensitivity": s["sensitivity"],
                    "fa_per_24h": s["fa_per_24h"],
                    "hits": acc.hits,
                    "targets": acc.targets,
                    "false_alarms": acc.false_alarms,
                }
            )
        out["szcore"] = rows
    return out


def build_document(inp: ReportInput, n_boot: int = 2000, max_worst: int = 6) -> dict:
    """All numbers of the report.

    Parameters
    ----------
    inp : ReportInput
    n_boot : int
        Bootstrap resamples for the patient-level intervals.
    max_worst : int
        Recordings shown as timelines of the worst patients.

    Returns
    -------
    dict
        See the module docstring; keys ``schema``, ``generated``, ``source``, ``data``,
        ``exclusions``, ``operating_point``, ``ci_methods``, ``headline`` (per scorer),
        ``scorers_missing``, ``patients``, ``by_type``, ``latency``, ``curves``, ``anchors``,
        ``worst``, ``recordings``, ``model_card``.
    """
    available = scorers()
    records = inp.records
    patients = sorted({r.patient for r in records})
    per_rec = []
    latencies: list[float] = []
    type_stats: dict[str, list[int]] = {}
    for r in records:
        counts = {m: fn(r.refs, r.hyps, r.duration)["seiz"] for m, fn in available.items()}
        matches, fas = match_seizures(r.refs, r.hyps, r.duration)
        for m in matches:
            st = type_stats.setdefault(m.type, [0, 0])
            st[0] += 1
            st[1] += int(m.detected)
            if m.latency is not None:
                latencies.append(m.latency)
        per_rec.append(
            {
                "bname": r.bname,
                "patient": r.patient,
                "duration": r.duration,
                "counts": counts,
                "seizures": len(matches),
                "detected": sum(m.detected for m in matches),
                "false_alarms": fas,
                "latencies": [m.latency for m in matches if m.latency is not None],
            }
        )
    headline = {m: _headline(per_rec, m, patients, n_boot) for m in available}

    pat_rows = []
    for p in patients:
        rs = [x for x in per_rec if x["patient"] == p]
        dur = sum(x["duration"] for x in rs)
        n_sz, det, fa = (sum(x[k] for x in rs) for k in ("seizures", "detected", "false_alarms"))
        taes_c = sum((x["counts"]["taes"] for x in rs), Counts())
        pat_rows.append(
            {
                "patient": p,
                "recordings": len(rs),
                "hours": dur / 3600,
                "seizures": n_sz,
                "detected": det,
                "missed": n_sz - det,
                "sensitivity": det / n_sz if n_sz else None,
                "sensitivity_ci_wilson": list(wilson(det, n_sz)) if n_sz else None,
                "false_alarms": fa,
                "fa_per_24h": fa / dur * _DAY if dur else None,
                "taes_sensitivity": summarize(taes_c, dur)["sensitivity"],
                "median_latency_s": describe(sum((x["latencies"] for x in rs), []))["median"],
            }
        )

    by_type = [
        {
            "type": t,
            "seizures": n,
            "detected": d,
            "sensitivity": d / n if n else None,
            "ci": list(wilson(d, n) or [0.0, 1.0]),
        }
        for t, (n, d) in sorted(type_stats.items(), key=lambda kv: (-kv[1][0], kv[0]))
    ]
    hours = sum(r.duration for r in records) / 3600
    seizure_types: dict[str, int] = {}
    for r in records:
        for e in r.refs:
            seizure_types[e.label] = seizure_types.get(e.label, 0) + 1
    data = {
        "split": inp.split_name,
        "recordings": len(records),
        "patients": len(patients),
        "hours": hours,
        "seizures": sum(len(r.refs) for r in records),
        "seizure_hours": sum(e.duration for r in records for e in r.refs) / 3600,
        "recordings_with_seizures": sum(1 for r in records if r.refs),
        "seizures_by_type": dict(sorted(seizure_types.items(), key=lambda kv: (-kv[1], kv[0]))),
        "splits": inp.splits,
    }
    det = EventDetector(**inp.postprocess)
    curves = _curves(records, det, available)
    by_missed = sorted((p for p in pat_rows if p["missed"] > 0), key=lambda p: (-p["missed"], p["patient"]))
    by_fa = sorted((p for p in pat_rows if p["false_alarms"] > 0), key=lambda p: (-p["false_alarms"], p["patient"]))
    worst_recs: list[dict] = []
    for reason, plist, key in (
        ("most missed seizures", by_missed[:3], "missed"),
        ("most false alarms", by_fa[:3], "false_alarms"),
    ):
        for p in plist:
            rs = [x for x in per_rec if x["patient"] == p["patient"]]
            best = max(
                rs,
                key=lambda x: ((x["seizures"] - x["detected"]) if key == "missed" else x["false_alarms"], x["bname"]),
            )
            if all(w["bname"] != best["bname"] for w in worst_recs) and len(worst_recs) < max_worst:
                worst_recs.append(
                    {
                        "bname": best["bname"],
                        "patient": p["patient"],
                        "reason": reason,
                        "missed": best["seizures"] - best["detected"],
                        "false_alarms": best["false_alarms"],
                    }
                )
    return {
        "schema": SCHEMA,
        "generated": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "generator": {"python": platform.python_version()},
        "source": inp.source,
        "data": data,
        "exclusions": inp.exclusions,
        "operating_point": {**inp.operating_point, "postprocess": inp.postprocess},
        "ci_methods": CI_METHODS,
        "headline": headline,
        "scorers_missing": [m for m in ("ovlp", "taes", "szcore") if m not in available],
        "patients": pat_rows,
        "by_type": by_type,
        "latency": {
            **describe(latencies),
            "values": [float(v) for v in latencies],
            "definition": "start of the first detection overlapping the seizure minus the annotated onset "
            "(seconds; negative when the detection began before the onset); OVLP hits only",
        },
        "curves": curves,
        "anchors": {
            m: [{"label": a[0], "fa_per_24h": a[1], "sensitivity": a[2]} for a in rows] for m, rows in ANCHORS.items()
        },
        "worst": worst_recs,
        "recordings": [
            {
                "bname": x["bname"],
                "patient": x["patient"],
                "duration_s": x["duration"],
                "seizures": x["seizures"],
                "detected": x["detected"],
                "false_alarms": x["false_alarms"],
            }
            for x in per_rec
        ],
        "model_card": model_card(inp, data),
    }
