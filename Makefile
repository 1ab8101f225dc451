# Two entry points: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# A pinned CPU torch unless the machine has an NVIDIA GPU.
TORCH_PIN := $(if $(shell command -v nvidia-smi 2>/dev/null),,-c requirements/torch-cpu.txt)
export MLFLOW_DISABLE_TELEMETRY := true
export OMP_WAIT_POLICY := PASSIVE

.PHONY: setup browser lint demo test bench clean-demo

$(STAMP): pyproject.toml requirements/constraints.txt requirements/torch-cpu.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade-strategy only-if-needed -c requirements/constraints.txt $(TORCH_PIN) -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

# Headless Chromium for the report's browser test and PDF printing (Debian's package; root on CI).
CHROMIUM := /usr/bin/chromium
browser:
	@test -x $(CHROMIUM) || { apt-get update -q && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core; }

demo: setup
	$(VENV)/bin/seizure demo

# Static checks first (layer contracts, lint, formatting), then the whole suite.
lint: setup
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: setup browser lint
	$(PY) -m pytest

# braindecode (the benchmark's reference pipeline) comes with torchaudio, whose bundled CUDA
# libraries do not load beside CPU torch; its pure-Python fallbacks are enough, so drop the libs.
bench: setup
	$(PY) -m pip install -q -c requirements/constraints.txt $(TORCH_PIN) -e ".[bench]"
	rm -f $$($(PY) -c "import importlib.util as u, os; s = u.find_spec('torchaudio'); print(os.path.join(os.path.dirname(s.origin), 'lib', '*.so') if s else '')")
	$(PY) benchmarks/run.py

clean-demo:
	rm -rf data/demo data/cache runs mlflow.db mlartifacts
