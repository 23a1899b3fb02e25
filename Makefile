# KI-Match: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := KI_MATCH_ENV=development $(BIN)/flask --app app

.PHONY: run test install install-test translations lint format db demo worker clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed translations
install-test: $(VENV)/.test-installed translations

translations: $(VENV)/.installed
	$(BIN)/pybabel -q compile -d ki_match/translations -f

db: install
	$(FLASK) db upgrade
	$(FLASK) seed

demo: db
	$(FLASK) demo --if-new

run: demo
	@echo "Development mail is written to instance/mail/ (see README.md)."
	$(FLASK) notifications send --loop --interval 3 & \
	  worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(FLASK) run --host 127.0.0.1 --port 5000

worker: install
	$(FLASK) notifications send --loop

test: install-test
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check ki_match tests app.py

format: install-test
	$(BIN)/ruff format ki_match tests app.py
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
