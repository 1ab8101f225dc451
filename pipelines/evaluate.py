"""Stage: score detectors on a split; fit operating points on dev; compare at matched FA/24h."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seizure.baseline import baseline_scores
from seizure.cache import CachedRecording
from seizure.config import Config
from seizure.inference import INFERENCE_WINDOW_FACTOR, predict_signals
from seizure.io.annotations import Annotation, Event, write_csv_bi
from seizure.operating_point import best_sensitivity_at, fit_threshold, sweep, candidate_thresholds
from seizure.postprocess import EventDetector
from seizure.scoring import score_pairs

__all__ = ["model_probs", "baseline_probs", "evaluate_detector", "refs_of"]


def _n_steps(entry: CachedRecording, step_s: float) -> int:
    return int(np.floor(entry.duration / step_s + 1e-9))


def model_probs(net, entries: list[CachedRecording], cfg: Config) -> list[np.ndarray]:
    """Per-step probabilities of the network for each recording."""
    sps = int(round(cfg.data.step_s * entries[0].sfreq)) if entries else 0
    window_steps = int(round(cfg.data.window_s / cfg.data.step_s))
    return [
        predict_signals(net, e.signals, sps, _n_steps(e, cfg.data.step_s), window_steps * INFERENCE_WINDOW_FACTOR)
        for e in entries
    ]


def baseline_probs(entries: list[CachedRecording], cfg: Config) -> list[np.ndarray]:
    """Per-step scores of the non-learned line-length/band-power detector."""
    return [
        baseline_scores(e.signals, e.sfreq, cfg.data.step_s, _n_steps(e, cfg.data.step_s), present=e.meta["present"])
        for e in entries
    ]


def refs_of(entries: list[CachedRecording]) -> list[list[Event]]:
    return [[Event(a, b, "seiz") for a, b in e.seizures] for e in entries]


def evaluate_detector(
    name: str,
    dev_probs: list[np.ndarray],
    dev: list[CachedRecording],
    eval_probs: list[np.ndarray],
    evl: list[CachedRecording],
    cfg: Config,
    out_dir: Path,
) -> dict:
    """Fit the threshold on dev, detect on eval, write hypotheses and probabilities, score.

    Returns
    -------
    dict
        ``{"detector": {...post-processing...}, "dev_fit": {...}, "eval": score_pairs(...),
        "eval_curve": {"ovlp": [...], "taes": [...]}, "events": {bname: [[start, stop, conf], ...]}}``
    """
    pp = cfg.postprocess
    detector = EventDetector(cfg.data.step_s, pp.smooth_s, pp.min_duration_s, pp.merge_gap_s)
    dev_refs = refs_of(dev)
    detector, dev_curve = fit_threshold(
        detector, dev_probs, dev_refs, [e.duration for e in dev], pp.target_fa_per_24h
    )
    chosen = next(r for r in dev_curve if r["threshold"] == detector.threshold_)

    hyp_dir = out_dir / "hyp" / name
    prob_dir = out_dir / "probs" / name
    hyp_dir.mkdir(parents=True, exist_ok=True)
    prob_dir.mkdir(parents=True, exist_ok=True)
    pairs = []
    events_out = {}
    for entry, probs in zip(evl, eval_probs):
        hyp = detector.predict(probs, duration=entry.duration)
        write_csv_bi(hyp_dir / f"{entry.meta['bname']}.csv_bi", hyp, entry.duration, entry.meta["bname"])
        np.save(prob_dir / f"{entry.meta['bname']}.npy", probs.astype(np.float32))
        ref = Annotation(entry.meta["bname"], entry.duration, [Event(a, b, "seiz") for a, b in entry.seizures])
        pairs.append((ref, Annotation(entry.meta["bname"], entry.duration, hyp)))
        events_out[entry.meta["bname"]] = [[e.start, e.stop, e.confidence] for e in hyp]
    scores = score_pairs(pairs, metrics=("ovlp", "taes"))

    eval_refs = refs_of(evl)
    durations = [e.duration for e in evl]
    thresholds = candidate_thresholds(eval_probs, detector)
    curves = {m: sweep(eval_probs, eval_refs, durations, detector, thresholds, m) for m in ("ovlp", "taes")}
    return {
        "detector": detector.to_dict(),
        "dev_fit": {"target_fa_per_24h": pp.target_fa_per_24h, **chosen},
        "eval": scores,
        "eval_curve": curves,
        "events": events_out,
    }


def matched_comparison(model: dict, baseline: dict, metric: str = "ovlp") -> dict:
    """Best eval sensitivity of each detector at FA/24h no higher than the model's operating point."""
    fa = model["eval"]["metrics"][metric]["seiz"]["fa_per_24h"]
    out = {"metric": metric, "max_fa_per_24h": fa}
    for name, res in (("model", model), ("baseline", baseline)):
        point = best_sensitivity_at(res["eval_curve"][metric], fa)
        out[name] = point
    return out


def evaluate_run(net, by_split: dict, exclusions: list, cfg: Config, run_dir: Path, doc: dict, tracker=None) -> dict:
    """Score model and baseline, write hypotheses, metrics and report; log them when tracked.

    Fills ``doc`` with ``data``, ``exclusions``, ``results``, ``matched`` and ``report`` and returns it.
    """
    import json
    import time

    import torch

    from seizure.report import write_report

    t0 = time.perf_counter()
    dev, evl = by_split["dev"], by_split["eval"]
    with torch.no_grad():
        res_model = evaluate_detector("model", model_probs(net, dev, cfg), dev, model_probs(net, evl, cfg), evl, cfg, run_dir)
    res_base = evaluate_detector("baseline", baseline_probs(dev, cfg), dev, baseline_probs(evl, cfg), evl, cfg, run_dir)
    (run_dir / "postprocess.json").write_text(json.dumps(res_model["detector"], indent=1))
    doc["data"] = {
        split: {
            "recordings": len(v),
            "patients": len({e.meta["subject"] for e in v}),
            "hours": sum(e.duration for e in v) / 3600,
            "seizures": sum(len(e.seizures) for e in v),
        }
        for split, v in by_split.items()
    }
    doc["exclusions"] = exclusions
    doc["results"] = {"model": res_model, "baseline": res_base}
    doc["matched"] = {m: matched_comparison(res_model, res_base, m) for m in ("ovlp", "taes")}
    doc.setdefault("timing_s", {})["evaluate"] = time.perf_counter() - t0
    report_html = write_report(doc, evl, run_dir)
    doc["run_dir"] = str(run_dir)
    doc["report"] = str(report_html)
    (run_dir / "metrics.json").write_text(json.dumps(doc, indent=1, default=float))
    if tracker is not None:
        for name, res in (("model", res_model), ("baseline", res_base)):
            for metric in ("ovlp", "taes"):
                seiz = res["eval"]["metrics"][metric]["seiz"]
                tracker.log_metrics(
                    {
                        f"eval_{name}_{metric}_sensitivity": seiz["sensitivity"],
                        f"eval_{name}_{metric}_fa_per_24h": seiz["fa_per_24h"],
                    }
                )
        for name in ("config.yaml", "splits.json", "exclusions.json", "postprocess.json", "model.json"):
            if (run_dir / name).is_file():
                tracker.log_artifact(run_dir / name)
        for name in ("report.html", "report.json", "report.pdf"):
            if (run_dir / name).is_file():
                tracker.log_artifact(run_dir / name, "report")
    return doc

