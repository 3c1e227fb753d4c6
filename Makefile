# Two commands on a fresh machine: `make run` and `make test`. Everything else is their set-up.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
DEMO := data/demo/demo.gpkg
ASSETS := static/vendor/node_modules/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT := DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get

.PHONY: run test setup assets demo catalogs i18n-extract i18n-update chromium poppler postgis haproxy bench clean

run: setup
	$(BIN)/streamlit run app.py --server.port $(PORT) --server.address 127.0.0.1

test: setup $(VENV)/.dev-installed chromium poppler postgis haproxy
	$(BIN)/python -m pytest

setup: $(VENV)/.installed $(ASSETS) $(DEMO) catalogs

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.installed
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $@

# Translations: the .po sources are committed, the .mo files compiled here (Babel).
CATALOGS := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/koopsuz.po))
catalogs: $(CATALOGS)
locale/%/LC_MESSAGES/koopsuz.mo: locale/%/LC_MESSAGES/koopsuz.po | $(VENV)/.installed
	$(BIN)/pybabel -q compile -D koopsuz -d locale -l $* --statistics

# For developers: gather the messages of the code, then merge them into each language's catalog.
i18n-extract: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F locale/babel.cfg --no-default-keywords -k _ -k N_ -k plural:1,2 -k ctx:1c,2 \
	    --no-location --sort-output \
	    --project Koopsuz -o locale/koopsuz.pot geo layers views koopsuz app.py
	sed -i '/^#, python-format$$/d' locale/koopsuz.pot  # messages use {fields}, never %: "90% confidence" is text
i18n-update: i18n-extract
	$(BIN)/pybabel -q update -D koopsuz -d locale -i locale/koopsuz.pot --no-fuzzy-matching --ignore-obsolete
	sed -i '/^#, python-format$$/d' locale/*/LC_MESSAGES/koopsuz.po

# Leaflet and plugins come from the npm registry at set-up, never from a CDN at view time.
assets: $(ASSETS)
$(ASSETS): static/vendor/package.json
	command -v npm >/dev/null || ($(APT) update -qq && $(APT) install -y -qq nodejs npm)
	cd static/vendor && npm install --no-audit --no-fund --no-package-lock --ignore-scripts --loglevel=error
	touch $@

demo: $(DEMO)
$(DEMO): $(wildcard geo/demo/*.py) | $(VENV)/.installed
	$(BIN)/python -m geo demo --out data/demo

# Benchmarks: tables for docs/benchmarks.md (not part of `make test`).
BENCHES ?= overview_map pages import_csv density hotspots siting mclp_city pmedian export_map pack emerging nearrepeat forecast
bench: setup $(VENV)/.dev-installed chromium
	for b in $(BENCHES); do echo "== bench.$$b"; $(BIN)/python -m bench.$$b || exit 1; done

chromium:
	test -x /usr/bin/chromium || ($(APT) update -qq && $(APT) install -y -qq chromium fonts-dejavu-core)

# pdftoppm and pdfinfo: the tests render exported PDFs to check them.
poppler:
	test -x /usr/bin/pdftoppm -a -x /usr/bin/pdfinfo || ($(APT) update -qq && $(APT) install -y -qq poppler-utils)

# The shared store's tests start a throwaway PostgreSQL cluster with PostGIS (tests/pg_cluster.py), and the
# replica test puts HAProxy in front of two app processes: Debian's packages, installed when absent.
postgis:
	ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 || \
	    ($(APT) update -qq && $(APT) install -y -qq postgresql postgresql-postgis)
haproxy:
	test -x /usr/sbin/haproxy || ($(APT) update -qq && $(APT) install -y -qq haproxy)

clean:
	rm -rf $(VENV) static/vendor/node_modules data/demo locale/*/LC_MESSAGES/*.mo
