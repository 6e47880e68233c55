# The two commands of the README: `make run` and `make test`. Both set up .venv from the pinned
# lock file first, so they work on a fresh machine with nothing but python3.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
WELLLOG := $(VENV)/bin/welllog
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | sha1sum | cut -c1-12)
API_PORT ?= 8000
DASHBOARD_PORT ?= 8501
DEFAULT_MODEL := models/default

.PHONY: setup prepare run test browser bench clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	rm -f $(VENV)/.installed-* && touch $(STAMP)

setup: $(STAMP)

# Demo wells, a default model and the five families for the dashboard's comparison page, each only
# when missing (a fresh machine needs no download). DEMO-2 is the blind validation well (a 12.25 in
# hole like DEMO-1 and DEMO-4; DEMO-3, an 8.5 in hole, is trained on, so the caliper range spans both
# and a demo well is not "unlike the training wells" by its hole size alone).
prepare: setup
	@test -d data/demo || $(WELLLOG) demo --out data/demo
	@test -d $(DEFAULT_MODEL) || $(WELLLOG) train data/demo --target DTC --target DTS --model ngboost \
	  --name default --validate-on DEMO-2 --models-dir models
	@test -d models/demo-lightgbm || $(WELLLOG) train data/demo --target DTC --target DTS --model all \
	  --name demo --validate-on DEMO-2 --models-dir models

# Headless Chromium for the dashboard's end-to-end test (Debian packages; needs root or sudo).
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }

run: prepare
	$(WELLLOG) run --api-port $(API_PORT) --dashboard-port $(DASHBOARD_PORT)

test: prepare browser
	$(PY) -m pytest $(PYTEST_ARGS)

bench: prepare
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) data/demo test-output
