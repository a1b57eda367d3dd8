# kbot: `make run` serves on the embedded SQLite default, `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
CONFIG_FLAG := $(if $(wildcard config.toml),--config config.toml,)

.PHONY: run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.dev-installed: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

run: $(VENV)/.installed
	$(BIN)/kbot db upgrade $(CONFIG_FLAG)
	@echo ""
	@echo "kbot web: http://127.0.0.1:8080  (health: /healthz; see README.md for settings)"
	@echo "First admin:  $(BIN)/kbot org add --type headquarters --code HQ --name 본사"
	@echo "              $(BIN)/kbot admin add --kakao-user-id <KAKAO_USER_ID> --org HQ --name <NAME>"
	@echo ""
	$(BIN)/kbot serve $(CONFIG_FLAG)

test: $(VENV)/.dev-installed
	$(BIN)/python -m pytest

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(VENV)/.dev-installed
	@for b in bench/[!_]*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
