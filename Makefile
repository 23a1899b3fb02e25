# KI-Match: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# `make run PORT=5001`: serve elsewhere; mail links follow unless PUBLIC_BASE_URL is set.
PORT ?= 5000
PUBLIC_BASE_URL ?= http://127.0.0.1:$(PORT)
FLASK := KI_MATCH_ENV=development PUBLIC_BASE_URL=$(PUBLIC_BASE_URL) $(BIN)/flask --app app

.PHONY: run test install install-test translations messages lint format db demo worker clean

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

# After changing UI strings: refresh the template and the catalogues, then translate the new entries.
messages: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k N_ -k lazy_gettext -k lazy_ngettext:1,2 \
	  -o ki_match/translations/messages.pot --sort-by-file --no-wrap --project KI-Match .
	$(BIN)/pybabel -q update -i ki_match/translations/messages.pot -d ki_match/translations --no-wrap

db: install
	$(FLASK) db upgrade
	$(FLASK) seed

demo: db
	$(FLASK) demo --if-new

run: demo
	@echo "Development mail is written to instance/mail/ (see README.md)."
	$(FLASK) notifications send --loop --interval 3 & \
	  worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(FLASK) run --host 127.0.0.1 --port $(PORT)

worker: install
	$(FLASK) notifications send --loop

# One test process per CPU (pytest-xdist), each file's tests in one process so a module's fixtures are
# built once; `make test JOBS=0` runs them in this process.
JOBS ?= auto
test: install-test
	$(BIN)/pytest -n $(JOBS) --dist loadfile $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check ki_match tests app.py

format: install-test
	$(BIN)/ruff format ki_match tests app.py
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
