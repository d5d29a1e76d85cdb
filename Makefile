# Two commands for a newcomer: `make demo` and `make test`. Both build their own .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test bench lint readme clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	# axe-core (npm) for the accessibility checks of the browser tests.
	if command -v npm >/dev/null; then npm install --silent --no-save --no-audit --no-fund \
	  --prefix $(VENV)/node axe-core@4.10.3; else echo "npm not found: axe checks will skip"; fi
	touch $(STAMP)

demo: $(STAMP)  ## generate the synthetic demo, convert, push, release
	$(BIN)/sdmx-tools demo --out out/demo $(if $(wildcard ../shared/data/geo/mx_topo.json),--boundaries ../shared/data/geo/mx_topo.json)

test: $(STAMP)  ## the whole test suite, lint and type checks
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

bench: $(STAMP)  ## convert at 10^4..10^7 rows, stage by stage: benchmarks/RESULTS.md
	$(BIN)/python benchmarks/bench_scale.py

readme: $(STAMP)  ## regenerate the README's CLI reference and docs/reference.md
	$(BIN)/python scripts/cli_reference.py --write
	$(BIN)/python scripts/key_reference.py --write

clean:
	rm -rf $(VENV) out build dist
