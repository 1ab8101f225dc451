# Two entry points: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# A pinned CPU torch unless the machine has an NVIDIA GPU.
TORCH_PIN := $(if $(shell command -v nvidia-smi 2>/dev/null),,-c requirements/torch-cpu.txt)
export MLFLOW_DISABLE_TELEMETRY := true
export OMP_WAIT_POLICY := PASSIVE

.PHONY: setup demo test bench clean-demo

$(STAMP): pyproject.toml requirements/constraints.txt requirements/torch-cpu.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade-strategy only-if-needed -c requirements/constraints.txt $(TORCH_PIN) -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(VENV)/bin/seizure demo

test: setup
	$(PY) -m pytest

bench: setup
	$(PY) benchmarks/run.py

clean-demo:
	rm -rf data/demo data/cache runs mlflow.db mlartifacts
