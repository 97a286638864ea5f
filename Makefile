# The two commands of the README. Both build .venv from nothing, with the
# development tools and the parquet extra (pyarrow, for `vmt export --format parquet`).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test bench clean clean-cache

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,parquet]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/vmt warmup
	$(BIN)/vmt run --out out/default.db

test: $(STAMP)
	NUMBA_NUM_THREADS=2 $(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/vmt bench

clean:
	rm -rf $(VENV) out .pytest_cache

clean-cache:
	find src -name '*.nbi' -delete -o -name '*.nbc' -delete
