# Two entry points: `make demo` (the course's main job) and `make test` (the full suite).
# Both build .venv on first use; the stamp makes later runs start at once.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test bench clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e .
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m course demo

test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile --nbval-lax tests source

bench: $(STAMP)
	$(PY) benchmarks/lstm_speed.py
	$(PY) benchmarks/grading_speed.py

clean:
	rm -rf $(VENV) build .pytest_cache
