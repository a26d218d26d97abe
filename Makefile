# Portalflow: `make run` starts everything with a demo, `make test` runs every test.
# Needs only python3, make and git: the tools and the locked environment install themselves.

PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
MEMBERS := $(wildcard contracts/pyproject.toml libs/*/pyproject.toml services/*/pyproject.toml)

export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)

.PHONY: install bytecode run reset test test-unit bench lint schemas docs clean

install: $(VENV)/.synced

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

# With bytecode written at install, and the project's own modules compiled before each use: where
# PYTHONDONTWRITEBYTECODE is set (as here) Python would compile every module again in every
# process it starts (importing portal-service: 4.7 s, 2.1 s with it).
$(VENV)/.synced: $(UV) uv.lock pyproject.toml $(MEMBERS)
	$(UV) sync --frozen --compile-bytecode --python "$$($(PYTHON) -c 'import sys; print(sys.executable)')"
	touch $@

bytecode: install
	$(VENV)/bin/python -m compileall -q contracts/src libs/*/src services/*/src

# `make run` keeps its data in .run/ (database, blobs, the demo's ids); `make reset` starts over.
run: bytecode
	$(VENV)/bin/portalflow-dev run

reset: bytecode
	rm -rf .run
	$(VENV)/bin/portalflow-dev run

test: bytecode
	$(VENV)/bin/python -m pytest

test-unit: bytecode
	$(VENV)/bin/python -m pytest -m unit

bench: bytecode
	$(VENV)/bin/portalflow-bench

lint: install
	$(VENV)/bin/ruff check .

schemas: install
	$(VENV)/bin/python -m portalflow_contracts.schema

docs: install
	$(VENV)/bin/python -m portalflow_devstack.docs

clean:
	rm -rf $(VENV) $(TOOLS) .run
