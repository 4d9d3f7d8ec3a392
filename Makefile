# Two commands: `make run` and `make test`. Everything else is set up on the way.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)

# The app and the tests never reach a model hub, a CDN or a telemetry endpoint.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: setup browser bytecode run lint test test-fast bench vectors calibrate clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	# torch first and pinned: it resolves to the local CPU wheel, never a CUDA build.
	$(PY) -m pip install --disable-pip-version-check -q "torch==2.13.0"
	$(PY) -m pip install --disable-pip-version-check -q -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $@

# The browser test drives the system Chromium; Chinese needs a CJK font in screenshots.
browser:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
		echo "installing chromium and fonts-noto-cjk (system packages)"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) \
			|| echo "warning: could not install chromium/fonts-noto-cjk; the browser test will be skipped"; \
		rm -f $$HOME/.cache/matplotlib/fontlist-*.json; \
	fi

# Our modules' bytecode, written once: where PYTHONDONTWRITEBYTECODE is set (it is on this CI), each of
# the 300-odd CLI processes the tests start would compile them again (0.15 s each).
bytecode: setup
	$(PY) -m compileall -q kg ingest qa ui

run: bytecode
	$(VENV)/bin/kgqa serve

# Lint and types first: ruff over everything, mypy over kg/, ingest/, qa/ and ui/ (pyproject.toml).
lint: setup
	$(VENV)/bin/ruff check kg ingest qa ui bench tests
	$(VENV)/bin/mypy

# Two workers, each taking whole test files (their module fixtures, a server or a browser, start
# once): most tests wait on a subprocess, a server or the browser, so two cores run them in about
# two thirds of the time of one (458 s -> about 310 s on a two-core machine).
test: setup browser lint bytecode
	$(PY) -m pytest -q -n 2 --dist loadfile

test-fast: setup
	$(PY) -m pytest -q -m "not slow"

bench: setup
	$(PY) bench/calibrate.py
	$(PY) bench/qa.py
	$(PY) bench/relations.py
	$(PY) bench/practice.py
	$(PY) bench/demos.py
	$(PY) bench/load.py
	$(PY) bench/growth.py

# The bundled corpus's e5 vectors (package data), so a first `make run` embeds nothing; a test
# fails when the notes or the catalogue changed without them.
vectors: setup
	$(PY) bench/vectors.py

# Refit the ranker and the refusal model on tests/data/eval/train.jsonl (cross-validated figures first).
calibrate: setup
	$(PY) bench/calibrate.py --write

clean:
	rm -rf $(VENV) build *.egg-info tests/artifacts
