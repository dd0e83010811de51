# The two commands of README.md: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
RUN_ENV := DEBUG=true

.PHONY: run test lint install install-dev clean

# A failed `venv` (python3-venv missing) would leave a .venv without pip behind: remove it.
$(VENV)/bin/python:
	python3 -m venv $(VENV) || { rm -rf $(VENV); exit 1; }
	$(PIP) install -q --upgrade pip

$(VENV)/.installed: requirements.txt | $(VENV)/bin/python
	$(PIP) install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PIP) install -q -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## make run: compile the translation catalogues, set up on the embedded defaults, load the demo
## network, serve on 127.0.0.1:8000.
run: install
	$(RUN_ENV) $(PY) manage.py compile_catalogues --stale
	$(RUN_ENV) $(PY) manage.py migrate --noinput
	$(RUN_ENV) $(PY) manage.py seed_demo
	@echo ""
	@echo "  Intentional is running at http://127.0.0.1:8000/  (Ctrl-C stops it)"
	@echo ""
	$(RUN_ENV) $(PY) manage.py runserver 127.0.0.1:8000

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

## make test: lint, migrations check, the translation catalogues compiled (a broken one fails
## here), the whole suite (PostgreSQL when DATABASE_URL is set).
## First, with plain bash and before the .venv exists, the Debian packages it needs when they are
## missing (Chromium for the browser tests, python3-venv): the script .ci/run calls too.
test:
	bash scripts/ensure_system_packages.sh
	$(MAKE) --no-print-directory lint
	$(RUN_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(RUN_ENV) $(PY) manage.py compile_catalogues
	$(VENV)/bin/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles test-artifacts
	find locale -name "*.mo" -delete
