# wirecoder: `make demo` sets everything up and codes the bundled examples; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DB ?= wirecoder.duckdb

.PHONY: demo test lint lock bench eval train gazetteer clean

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

demo: $(VENV)/.installed
	$(VENV)/bin/wirecoder code examples/ --db $(DB) --format table
	@echo "What $(DB) holds now:"
	@$(VENV)/bin/wirecoder stats --db $(DB)
	@echo "Re-running codes only new articles. Try:"
	@echo "  $(VENV)/bin/wirecoder query --db $(DB) --actor RUS --format table"
	@echo "  $(VENV)/bin/wirecoder code examples/page.html --format jsonl --no-store"
	@echo "Browse them: $(VENV)/bin/wirecoder serve --db $(DB)   then open http://127.0.0.1:8000/"

test: $(VENV)/.installed
	$(VENV)/bin/ruff check src tests benchmarks tools
	$(PY) -m pytest -q

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check src tests benchmarks tools

# Regenerate the hashed lock after changing dependencies in pyproject.toml (needs uv).
lock:
	uv pip compile pyproject.toml --extra dev --extra dask --generate-hashes --python-version 3.11 \
		--no-header --no-annotate -o requirements.lock

# Score every conformance suite: docs/accuracy/*.md and the README table.
# `make eval BASELINE=1` also raises the floors pinned in tests/accuracy_baseline.json.
eval: $(VENV)/.installed
	$(PY) tools/eval_suites.py $(if $(BASELINE),--update-baseline)

# Rebuild the shipped learned detector from the labelled corpus (seeded, deterministic; about 2 minutes on
# 2 cores). Prints dev-split scores; docs/model-card.md describes the model.
MODEL := src/wirecoder/data/model
train: $(VENV)/.installed
	$(VENV)/bin/wirecoder train --data training/corpus --out $(MODEL) --name wirecoder-plover-1 --seed 13

# Rebuild the gazetteer tables (towns, provinces, districts, US abbreviations) from GeoNames, Factbook and US
# data in ../shared (development only; the package ships the result). docs/gazetteer.md.
gazetteer: $(VENV)/.installed
	$(PY) tools/build_gazetteer.py --shared ../shared

bench: $(VENV)/.installed
	$(PY) benchmarks/make_corpus.py --n 200 --seed 1 --out benchmarks/results/tmp/c200.jsonl
	$(PY) benchmarks/bench_code.py --corpus benchmarks/results/tmp/c200.jsonl --repeat 3

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .ruff_cache $(DB)
