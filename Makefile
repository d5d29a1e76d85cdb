# Two commands for a newcomer: `make demo` and `make test`. Both build their own .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test bench lint readme clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)  ## generate the synthetic demo, convert, push, release
	$(BIN)/sdmx-tools demo --out out/demo

test: $(STAMP)  ## the whole test suite, lint and type checks
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

bench: $(STAMP)  ## convert at 10^4..10^7 rows, stage by stage: benchmarks/RESULTS.md
	$(BIN)/python benchmarks/bench_scale.py

readme: $(STAMP)  ## regenerate the README's CLI reference from --help
	$(BIN)/python scripts/cli_reference.py --write

clean:
	rm -rf $(VENV) out build dist
