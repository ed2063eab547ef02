# Two entry points for a fresh machine: `make demo` (sample data -> scores/reports) and `make test`.
# Both create .venv and install the pinned dependencies on first use.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/rolindex demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_scoring.py
	$(BIN)/python benchmarks/bench_validate.py
	$(BIN)/python benchmarks/bench_uncertainty.py
	$(BIN)/python benchmarks/bench_tuning.py
	$(BIN)/python benchmarks/bench_reports.py
	$(BIN)/python benchmarks/bench_forms.py
	$(BIN)/python benchmarks/bench_intake.py
	$(BIN)/python benchmarks/bench_extract.py

clean:
	rm -rf $(VENV) reports/district_rol reports/seed_districts reports/synthetic_panel reports/screenshots reports/index.html reports/cycle
