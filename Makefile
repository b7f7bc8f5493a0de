# The two commands: `make run` and `make test`. Both install the Debian packages they use
# when missing (.ci/sysdeps.sh: chromium, tesseract eng+fra, poppler-utils), create .venv,
# install torch (CPU build) first, then the project with its dev extras.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test sysdeps install lint typecheck pytest bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch first, pinned: a bare `torch` requirement would pull a multi-GB CUDA build.
$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

sysdeps:
	@bash .ci/sysdeps.sh

install: $(STAMP)

run: sysdeps install
	$(BIN)/healthrag demo --port $(PORT)

lint: install
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/python -m pytest -q

test: sysdeps lint typecheck pytest

bench: install
	$(BIN)/python -m eval.bench_skeleton --out eval/reports/skeleton.md
	$(BIN)/python -m eval.bench_hnsw --out eval/reports/hnsw.md
	$(BIN)/python -m eval.record_qa --out eval/reports/record_qa.md

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
