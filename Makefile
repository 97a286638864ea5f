# The two commands of the README. Both build .venv from nothing, with the
# development tools and the parquet extra (pyarrow, for `vmt export --format parquet`).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

CHROMIUM := /usr/bin/chromium

.PHONY: run test bench clean clean-cache browser

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,parquet]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/vmt warmup
	$(BIN)/vmt run --out out/default.db

# The viewer's end-to-end tests drive Debian's chromium (never a downloaded browser).
# As root (CI) it is installed when missing; without it those tests fail under CI=true.
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing Debian's chromium for the viewer tests"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else echo "warning: $(CHROMIUM) missing and not root: the viewer's browser tests will not run" >&2; fi; \
	fi

# Two worker processes (pytest-xdist), each test where a worker is free: most tests are
# single-threaded Python, so two cores run the suite in about half the time.
test: $(STAMP) browser
	NUMBA_NUM_THREADS=2 $(BIN)/python -m pytest -n 2 --dist worksteal

bench: $(STAMP)
	$(BIN)/vmt bench

clean:
	rm -rf $(VENV) out .pytest_cache

clean-cache:
	find src -name '*.nbi' -delete -o -name '*.nbc' -delete -o -name 'numba-runtime-*.bin' -delete
