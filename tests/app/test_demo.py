import json

import pytest

from seizure.config import load_config
from seizure_app.demo import ensure_corpus


def _cfg(root):
    return load_config(overrides=[f"data.root={root}", "synth.n_patients=3", "synth.hours=0.1", "synth.seed=5"])


def test_corpus_generated_once_then_reused(tmp_path):
    root = tmp_path / "demo"
    said = []
    first = ensure_corpus(_cfg(root), say=said.append)
    edf = sorted(root.rglob("*.edf"))[0]
    mtime = edf.stat().st_mtime_ns
    second = ensure_corpus(_cfg(root), say=said.append)
    assert "reusing" in said[-1]
    assert first["totals"] == second["totals"]
    assert edf.stat().st_mtime_ns == mtime


def test_out_of_date_corpus_is_regenerated(tmp_path):
    root = tmp_path / "demo"
    ensure_corpus(_cfg(root), say=lambda s: None)
    manifest = root / "synth_manifest.json"
    doc = json.loads(manifest.read_text())
    doc["params"]["generator"] = "seizure.synth v0"
    manifest.write_text(json.dumps(doc))
    said = []
    out = ensure_corpus(_cfg(root), say=said.append)
    assert any("out of date" in s for s in said)
    assert out["params"]["generator"] != "seizure.synth v0"


def test_foreign_folder_is_not_overwritten(tmp_path):
    root = tmp_path / "demo"
    root.mkdir()
    (root / "precious.txt").write_text("keep")
    with pytest.raises(FileExistsError, match="not overwriting"):
        ensure_corpus(_cfg(root), say=lambda s: None)
    assert (root / "precious.txt").read_text() == "keep"
