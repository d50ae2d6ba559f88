# Gongkai developer tasks. `make test` works on a fresh machine (creates .venv).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
STORE  := var/store
# What the graph is built from: rebuild for `make serve` when any of these is newer.
SOURCES := $(shell find data ontology -type f 2>/dev/null | sort)

.PHONY: install build serve test lint bench clean distclean

install: $(STAMP)

# Reinstall only when pyproject.toml changes (the package itself is installed editable).
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q -e '.[test]'
	@touch $@

# Always rebuild (atomic: a failed build keeps the previous store).
build: install
	$(BIN)/gongkai build

# The store's metadata file is rewritten by every successful build, so its mtime is
# the build time; an order-only dependency on the install does not force rebuilds.
$(STORE)/gongkai-store.json: $(SOURCES) | $(STAMP)
	$(BIN)/gongkai build

serve: $(STORE)/gongkai-store.json
	@if $(BIN)/gongkai serve --help >/dev/null 2>&1; then \
		exec $(BIN)/gongkai serve; \
	else \
		echo "The graph is built at $(STORE). Serving comes with the web app (gongkai serve)."; \
	fi

test: install
	$(BIN)/ruff check .
	@status=0; $(BIN)/pytest -q || status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: that is a failure here" >&2; fi; \
	exit $$status

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python benchmarks/bench_build.py

clean:
	rm -rf var build dist test-artifacts .pytest_cache .ruff_cache *.egg-info
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
