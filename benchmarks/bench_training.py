"""Data-loader throughput vs the model's consumption in training, and inference speed.

The loader must deliver windows at least 10x faster than the default model consumes them in
training, so it is never the bottleneck. Measured on cached recordings of a generated corpus:

- loader: windows/s out of ``SeizureDataModule.train_dataloader()`` (iterating batches only), for
  ``num_workers`` in 0, 1, 2;
- training: windows/s through forward + backward + optimizer step of the default network;
- inference: seconds of EEG scored per second by ``predict_signals`` (x real time) over the
  corpus recordings, and the wall time to score one 24-hour recording (random signal of 22
  channels at the model rate, in memory: the network's speed on a long recording).

Runs alternate between the measured sides and report medians. Usage::

    python benchmarks/bench_training.py [--out benchmarks/results] [--hours 1.0] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import torch

from seizure.cache import prepare_corpus
from seizure.config import load_config
from seizure.inference import INFERENCE_WINDOW_FACTOR, predict_signals
from seizure.io.corpus import index_tusz
from seizure.synth import generate_corpus
from seizure.training.data import SeizureDataModule
from seizure.training.module import build_module


def _loader_rate(dm: SeizureDataModule, workers: int, n_batches: int) -> float:
    dm.num_workers = workers
    loader = dm.train_dataloader()
    it = iter(loader)
    next(it)  # start-up (worker spawn) is not throughput
    t = time.perf_counter()
    n = 0
    for _ in range(n_batches):
        try:
            x, _ = next(it)
        except StopIteration:
            it = iter(loader)
            x, _ = next(it)
        n += x.shape[0]
    return n / (time.perf_counter() - t)


def _train_rate(net, dm: SeizureDataModule, n_batches: int) -> float:
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    batches = [b for _, b in zip(range(n_batches + 1), dm.train_dataloader())]
    net.train()
    x, y = batches[0]
    loss_fn(net(x), y[:, : net(x).shape[1]]).backward()  # warm-up
    t = time.perf_counter()
    n = 0
    for x, y in batches[1:]:
        opt.zero_grad()
        logits = net(x)
        loss = loss_fn(logits, y[:, : logits.shape[1]])
        loss.backward()
        opt.step()
        n += x.shape[0]
    return n / (time.perf_counter() - t)


def _inference_rate(net, entries, cfg) -> float:
    sps = int(round(cfg.data.step_s * entries[0].sfreq))
    seconds = 0.0
    t = time.perf_counter()
    for e in entries:
        n = int(e.duration // cfg.data.step_s)
        predict_signals(net, e.signals, sps, n, int(cfg.data.window_s / cfg.data.step_s) * INFERENCE_WINDOW_FACTOR)
        seconds += n * cfg.data.step_s
    return seconds / (time.perf_counter() - t)


def _day_seconds(net, day, cfg) -> float:
    """Wall seconds to score one 24-hour recording (random signal, held in memory)."""
    sps = int(round(cfg.data.step_s * cfg.data.sfreq))
    n = int(day.shape[1] // sps)
    t = time.perf_counter()
    predict_signals(net, day, sps, n, int(cfg.data.window_s / cfg.data.step_s) * INFERENCE_WINDOW_FACTOR)
    return time.perf_counter() - t


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="benchmarks/results")
    ap.add_argument("--hours", type=float, default=1.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--batches", type=int, default=20)
    args = ap.parse_args(argv)
    torch.set_num_threads(2)
    cfg = load_config()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "corpus"
        generate_corpus(root, n_patients=6, hours=args.hours, seed=11)
        entries, _ = prepare_corpus(index_tusz(root), cfg.data.preprocessing, Path(tmp) / "cache")
        train = [e for e in entries if e.meta["split"] == "train"]
        dev = [e for e in entries if e.meta["split"] == "dev"] or train[:1]
        dm = SeizureDataModule(
            train,
            dev,
            cfg.data.window_s,
            cfg.data.stride_s,
            cfg.data.step_s,
            cfg.data.label_rule,
            cfg.train.batch_size,
            cfg.train.seizure_oversample,
        )
        net = build_module(cfg, n_channels=22, sfreq=cfg.data.sfreq, pos_weight=1.0).net
        day = np.random.default_rng(0).standard_normal((22, int(86400 * cfg.data.sfreq)), dtype=np.float32)
        samples: dict[str, list[float]] = {
            "loader_w0": [],
            "loader_w1": [],
            "loader_w2": [],
            "train": [],
            "infer": [],
            "day_s": [],
        }
        for _ in range(args.repeats):  # alternate the sides within each repeat
            samples["loader_w0"].append(_loader_rate(dm, 0, args.batches))
            samples["train"].append(_train_rate(net, dm, max(4, args.batches // 4)))
            samples["loader_w1"].append(_loader_rate(dm, 1, args.batches))
            samples["loader_w2"].append(_loader_rate(dm, 2, args.batches))
            with torch.no_grad():
                samples["infer"].append(_inference_rate(net.eval(), entries, cfg))
                samples["day_s"].append(_day_seconds(net.eval(), day, cfg))
    med = {k: statistics.median(v) for k, v in samples.items()}
    rows = [
        {
            "benchmark": "training",
            "figure": f"loader, num_workers={w}",
            "value": med[f"loader_w{w}"],
            "unit": "windows/s",
            "reference": "model consumption in training",
            "reference_value": med["train"],
            "ratio": med[f"loader_w{w}"] / med["train"],
        }
        for w in (0, 1, 2)
    ]
    rows.append(
        {
            "benchmark": "training",
            "figure": "model consumption (fwd+bwd+step)",
            "value": med["train"],
            "unit": "windows/s",
            "reference": None,
            "reference_value": None,
            "ratio": None,
        }
    )
    rows.append(
        {
            "benchmark": "inference",
            "figure": "whole-recording scoring",
            "value": med["infer"],
            "unit": "x real time",
            "reference": None,
            "reference_value": None,
            "ratio": None,
        }
    )
    rows.append(
        {
            "benchmark": "inference",
            "figure": "one 24-h recording scored (22 channels, 100 Hz)",
            "value": med["day_s"],
            "unit": "s",
            "reference": "issue 5 target (a day in under 5 s)",
            "reference_value": 5.0,
            "ratio": med["day_s"] / 5.0,
        }
    )
    rows.append(
        {
            "benchmark": "inference",
            "figure": "one 24-h recording scored, speed",
            "value": 86400.0 / med["day_s"],
            "unit": "x real time",
            "reference": "issue 5 target",
            "reference_value": 20_000.0,
            "ratio": 86400.0 / med["day_s"] / 20_000.0,
        }
    )
    doc = {"name": "training", "params": vars(args), "samples": samples, "rows": rows}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "training.json").write_text(json.dumps(doc, indent=1))
    print(f"{'figure':<50} {'value':>12} {'unit':<12} {'ratio':>9}")
    for r in rows:
        ratio = "" if r["ratio"] is None else f"{r['ratio']:.1f}x"
        print(f"{r['figure']:<50} {r['value']:>12.1f} {r['unit']:<12} {ratio:>9}")
    return doc


if __name__ == "__main__":
    main()
