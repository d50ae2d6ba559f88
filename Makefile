# Gongkai developer tasks. `make test` works on a fresh machine (creates .venv).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
STORE  := var/store
YASGUI_VERSION := 4.6.2
YASGUI := webapp/static/vendor/yasgui/yasgui.min.js
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

serve: $(STORE)/gongkai-store.json $(YASGUI)
	exec $(BIN)/gongkai serve --store $(STORE) --host 127.0.0.1 --port 5000

# The SPARQL editor (YASGUI) from the npm registry, into a git-ignored static folder.
# Without npm the editor page still works as a plain form.
$(YASGUI):
	@if command -v npm >/dev/null 2>&1; then \
		rm -rf .cache/npm && mkdir -p .cache/npm $(dir $@) && \
		npm install --prefix .cache/npm --no-audit --no-fund --ignore-scripts --loglevel=error \
			@zazuko/yasgui@$(YASGUI_VERSION) && \
		cp .cache/npm/node_modules/@zazuko/yasgui/build/yasgui.min.js \
		   .cache/npm/node_modules/@zazuko/yasgui/build/yasgui.min.css $(dir $@) || \
		echo "YASGUI could not be installed: the editor falls back to a plain form" >&2; \
	else \
		echo "npm not found: the SPARQL editor falls back to a plain form" >&2; \
	fi

test: install $(YASGUI)
	$(BIN)/ruff check .
	@status=0; $(BIN)/pytest -q || status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: that is a failure here" >&2; fi; \
	exit $$status

lint: install
	$(BIN)/ruff check .

# Sizes of the scale benchmark: make bench BENCH_SIZES="10 300". Its figures need the
# bench extra (psutil for the memory of the build's process tree, gb2260 for place names).
BENCH_SIZES ?= 10 300 2850
bench: install
	@$(BIN)/python -c 'import psutil, gb2260' 2>/dev/null || \
		$(BIN)/python -m pip install --disable-pip-version-check -q -e '.[test,bench]'
	$(BIN)/python benchmarks/bench_build.py
	$(BIN)/python benchmarks/bench_queries.py
	$(BIN)/python benchmarks/bench_scale.py --sizes $(BENCH_SIZES) --update-readme

clean:
	rm -rf var build dist test-artifacts .pytest_cache .ruff_cache *.egg-info .cache webapp/static/vendor
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
