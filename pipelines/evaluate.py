"""Stage: score detectors on a split; fit operating points on dev; compare at matched FA/24h."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seizure.baseline import baseline_scores
from seizure.cache import CachedRecording
from seizure.config import Config
from seizure.inference import predict_signals
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
        predict_signals(net, e.signals, sps, _n_steps(e, cfg.data.step_s), window_steps * 4)
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
