"""Model card of the evaluated detector (Mitchell et al. 2019, reduced to what a run records).

Initializations and regularizers are read from the network's keyword arguments and the resolved
configuration by key name, so settings added later to the model registry show up without a change
here; when none is configured the card says that the framework defaults apply.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["model_card", "LIMITATIONS"]

_INIT = re.compile(r"init", re.IGNORECASE)
_REG = re.compile(
    r"dropout|decay|noise|clip|^l[12]$|regulari|penalty|max_norm|zoneout|label_smoothing|mixup"
    r"|early_stopping",
    re.IGNORECASE,
)

#: Limitations stated in every report.
LIMITATIONS = [
    "Not a medical device: figures describe this evaluation set only and do not establish clinical validity.",
    "Sensitivity and false-alarm rates depend on the scoring method (OVLP counts any overlap; TAES weights by "
    "time); compare only figures scored the same way, on the same corpus.",
    "Confidence intervals treat patients as independent units; with few patients they are wide and the "
    "bootstrap interval can collapse to a point.",
    "The detector needs the 10-20 electrodes of the TCP montage (ear electrodes optional); other montages, "
    "intracranial or neonatal EEG are out of scope. Probabilities are not calibrated.",
    "The operating point was chosen on the dev split; performance at other false-alarm rates is shown by the "
    "operating curves.",
]


def _flat(d, prefix: str = "") -> dict:
    out = {}
    if isinstance(d, dict):
        for k, v in d.items():
            out.update(_flat(v, f"{prefix}{k}."))
    else:
        out[prefix[:-1]] = d
    return out


def _pick(pattern: re.Pattern, *sources: dict) -> dict:
    """Flattened ``section.key`` settings having a path component that matches ``pattern``."""
    out = {}
    for src in sources:
        for k, v in _flat(src or {}).items():
            if any(pattern.search(part) for part in k.split(".")):
                out.setdefault(k, v)
    return out


def model_card(inp, data: dict) -> dict:
    """Network, initializations, regularizers, training data and split, provenance, limitations.

    Parameters
    ----------
    inp : ReportInput
    data : dict
        The ``data`` section of the report (evaluated recordings).
    """
    cfg = inp.config or {}
    model = inp.model or {}
    kwargs = model.get("kwargs", {})
    train_cfg = cfg.get("train", {})
    inits = _pick(_INIT, {"model": kwargs}, {"model": cfg.get("model", {})})
    regs = _pick(_REG, {"model": kwargs}, {"model": cfg.get("model", {})}, {"train": train_cfg})
    limitations = list(LIMITATIONS)
    root = (cfg.get("data") or {}).get("root")
    synthetic = bool(root) and (Path(root) / "synth_manifest.json").is_file()
    if synthetic:
        limitations.insert(
            0,
            "Trained and evaluated on a SYNTHETIC corpus (seizure.synth): the figures test the "
            "software, not the detection of real seizures.",
        )
    if data.get("patients", 0) < 10:
        limitations.insert(1 if synthetic else 0, f"Only {data.get('patients', 0)} evaluated patient(s).")
    return {
        "network": {
            "name": model.get("name"),
            "n_parameters": model.get("n_parameters"),
            "kwargs": kwargs,
        },
        "initializations": inits or {"all": "framework defaults (PyTorch); no named initialization configured"},
        "regularizers": regs or {"none": "no regularizer configured"},
        "optimizer": {
            k: train_cfg[k]
            for k in ("lr", "batch_size", "epochs", "pos_weight", "seizure_oversample", "seed")
            if k in train_cfg
        },
        "preprocessing": (cfg.get("data") or {}).get("preprocessing"),
        "training_data": {
            "corpus": "synthetic (seizure.synth)" if synthetic else (Path(root).name if root else None),
            "splits": inp.splits,
            "split_rule": "patient-wise splits taken from the corpus layout (no patient in two splits)",
        },
        "config_hash": inp.config_hash,
        "git_commit": inp.git_commit,
        "mlflow_run_id": inp.source.get("run_id"),
        "tracking_uri": inp.source.get("tracking_uri"),
        "model_uri": inp.source.get("model_uri"),
        "limitations": limitations,
    }
