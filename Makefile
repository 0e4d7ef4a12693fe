# Two commands do everything on a fresh machine: `make demo` and `make test` (README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TL := $(BIN)/tierslieux
HOST ?= 127.0.0.1
PORT ?= 8000

# Real data mirror: CI and development read ../shared/data when it exists.
ifeq ($(origin TL_MIRROR_DIR), undefined)
  ifneq ($(wildcard ../shared/data),)
    export TL_MIRROR_DIR := $(abspath ../shared/data)
  endif
endif

.PHONY: demo test lint bench install assets clean

# Front-end libraries: installed by npm from package-lock.json, copied into site/static/vendor/
# (served by the site itself, never from a CDN).
VENDOR := site/static/vendor
node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

$(VENDOR)/.installed: node_modules/.package-lock.json
	rm -rf $(VENDOR)
	mkdir -p $(VENDOR)/leaflet $(VENDOR)/leaflet.markercluster
	cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css \
	  node_modules/leaflet/dist/images node_modules/leaflet/LICENSE $(VENDOR)/leaflet/
	cp node_modules/leaflet.markercluster/dist/leaflet.markercluster.js \
	  node_modules/leaflet.markercluster/dist/MarkerCluster.css \
	  node_modules/leaflet.markercluster/dist/MarkerCluster.Default.css \
	  node_modules/leaflet.markercluster/MIT-LICENCE.txt $(VENDOR)/leaflet.markercluster/
	mkdir -p $(VENDOR)/yasgui
	cp node_modules/@zazuko/yasgui/build/yasgui.min.js node_modules/@zazuko/yasgui/build/yasgui.min.css \
	  $(VENDOR)/yasgui/
	touch $@

assets: $(VENDOR)/.installed

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

demo: $(VENV)/.installed $(VENDOR)/.installed
	-$(TL) harvest --all
	$(TL) publish
	$(TL) serve --host $(HOST) --port $(PORT)

# Both cores: one test file per worker (module fixtures are built once).
test: $(VENV)/.installed-test $(VENDOR)/.installed
	$(BIN)/python -m pytest -n 2 --dist loadfile

# Benchmarks (not tests): `bench.suite` runs every one and writes var/bench/report.md
# (bench/README.md). They need Debian's wrk and virtuoso-opensource (apt-get install).
$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,dev,bench]'
	touch $@ $(VENV)/.installed $(VENV)/.installed-test

bench: $(VENV)/.installed-bench $(VENDOR)/.installed
	$(BIN)/python -m bench.suite $(BENCH_OPTIONS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var node_modules $(VENDOR)
