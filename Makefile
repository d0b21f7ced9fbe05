# Two commands for a newcomer:  `make demo` (set up + run the whole pipeline on the built-in zebra)
# and `make test` (set up + run the test suite). Both create .venv on first use.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
export OMP_WAIT_POLICY := PASSIVE

.PHONY: setup demo test clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

setup: $(VENV)/.installed

demo: setup
	$(VENV)/bin/pasyn demo --out runs/demo

test: setup
	$(PY) -m pytest

clean:
	rm -rf $(VENV) runs
