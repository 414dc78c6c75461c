# The README's two commands: `make demo` and `make test`. Both build .venv on first use, from
# the lock (uv.lock): every install, here and in CI, gets the exact versions the tests ran with.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
OUT := out
# The S3 server of `bedflow cluster` and its fault tests (npm, tools/cluster/package-lock.json).
S3RVER := tools/cluster/node_modules/.bin/s3rver
# uv itself lives in its own small venv, pinned, so that `uv sync` never removes it from .venv.
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never
# Trust the machine's certificate store, as pip does (uv's bundled roots know no local proxy's).
export UV_SYSTEM_CERTS := 1
# nginx, ip and PostgreSQL's tools live in sbin folders that a plain user's PATH may lack (the
# cluster tests look them up on PATH).
export PATH := $(PATH):/usr/sbin:/sbin

.PHONY: cluster-deps cluster-up cluster-down cluster-report demo test test-fast lint typecheck unit docs bench clean lock lock-upgrade lock-check web web-if-needed web-test deploy-check deploy-check-engines

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet uv==$(UV_VERSION)

# demo: bedflow and its runtime dependencies at the locked versions (--inexact keeps the dev
# tools of an earlier `make test`); test: the same plus the `dev` extra, exactly the lock.
$(VENV)/.demo: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --inexact --python $(PYTHON) --quiet
	$(BIN)/bedflow warm-up
	touch $@

$(VENV)/.dev: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --extra dev --python $(PYTHON) --quiet
	touch $@

## lock: re-resolve uv.lock after a change of pyproject.toml (keeps the other versions)
lock: | $(UV)
	$(UV) lock --python $(PYTHON)

## lock-upgrade: move every locked dependency to its newest release within pyproject's ranges
lock-upgrade: | $(UV)
	$(UV) lock --upgrade --python $(PYTHON)

## lock-check: fail when pyproject.toml and uv.lock disagree
lock-check: | $(UV)
	$(UV) lock --check --python $(PYTHON)

## web: build the web dashboard (npm ci, npm run build in frontend/; Node.js 20 or newer) into frontend/dist, and copy it into the package (src/bedflow/_web) for wheels
web:
	@if [ ! -f frontend/package.json ]; then \
		echo "web: no frontend/package.json, nothing to build"; \
	else \
		(cd frontend && npm ci && npm run build) && \
		rm -rf src/bedflow/_web && cp -R frontend/dist src/bedflow/_web && \
		echo "web: built frontend/dist; bedflow serve serves it at /"; \
	fi

# Build the dashboard when it is missing or older than its sources and Node.js 20+ is there;
# otherwise say how to get Node.js and go on (the API works without the dashboard).
web-if-needed:
	@if [ ! -f frontend/package.json ]; then exit 0; fi; \
	if [ -f frontend/dist/index.html ] && [ -z "$$(find frontend \( -path frontend/node_modules \
		-o -path frontend/dist \) -prune -o -type f -newer frontend/dist/index.html -print \
		| head -n 1)" ]; then exit 0; fi; \
	if ! command -v npm >/dev/null 2>&1 || \
		! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' \
		>/dev/null 2>&1; then \
		echo "web: the dashboard is not built and Node.js 20 or newer is not installed;" \
			"get it from https://nodejs.org (or e.g. apt install nodejs npm), then run make web." \
			"Going on without it: bedflow serve answers / with how to build it."; \
		exit 0; \
	fi; \
	$(MAKE) --no-print-directory web || \
		echo "web: the dashboard's build failed (above); going on without it"

## demo: install, check and compile every example, run the reference bed end to end (pack, export, LBM); builds the dashboard when Node.js is there
demo: $(VENV)/.demo web-if-needed
	@mkdir -p $(OUT)
	$(BIN)/bedflow check examples/*.bed
	@for f in examples/*.bed; do \
		$(BIN)/bedflow compile "$$f" -o "$(OUT)/$$(basename "$$f" .bed).json" || exit 1; \
	done
	$(BIN)/bedflow run examples/spheres-d10.bed --set cfd.cells_per_dp=8 \
		--cache $(OUT)/cache -o $(OUT)/spheres-d10
	@echo "demo: examples compiled to $(OUT)/*.json; spheres-d10 run end to end (pack, export, LBM) in $(OUT)/spheres-d10/, the LBM at 8 cells per particle diameter instead of the default 14 to keep the demo short (a fast profile: dp/L about 5% lower than at 14 cells/d; docs/flow.md)"

## test: install with dev tools, then lint, type-check and run the whole test suite
test: lock-check lint typecheck web-test unit

lint: $(VENV)/.dev
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports

typecheck: $(VENV)/.dev
	$(BIN)/mypy

# The cluster fault tests need s3rver (npm), the browser tests a built dashboard; without npm
# they skip and say so.
unit: $(VENV)/.dev $(if $(shell command -v npm),$(S3RVER) web-if-needed)
	$(BIN)/pytest

## web-test: the dashboard's type check and component tests (Vitest), when npm is there
web-test:
	@if [ ! -f frontend/package.json ]; then exit 0; fi; \
	if ! command -v npm >/dev/null 2>&1; then \
		echo "web-test: npm is not installed; the dashboard's own tests are skipped"; exit 0; fi; \
	if [ ! -d frontend/node_modules ]; then (cd frontend && npm ci --no-audit --no-fund); fi; \
	cd frontend && npm run --silent typecheck && npm test --silent

## test-fast: the tests that need no service and are not slow (under a minute), while editing
# One pytest process per core (pytest-xdist; a test file stays on one, for its module fixtures),
# a quarter of the hypothesis examples; the five slowest are listed, candidates for `slow`.
test-fast: $(VENV)/.dev
	$(BIN)/pytest -q -m "not slow and not services" --hypothesis-profile=fast \
		-n auto --dist loadfile --durations=5

## cluster-deps: the cluster's S3 server (s3rver, from npm, at the version of its lock)
cluster-deps: $(S3RVER)
# Not `npm ci --prefix`: a prefix moves npm's global configuration (and the machine's cafile
# there) with it, and the install then fails on a proxy's certificate.
$(S3RVER): tools/cluster/package-lock.json
	cd tools/cluster && npm ci --no-audit --no-fund --silent
	touch $@

## cluster-up / cluster-down: the cluster of docs/cluster.md (root: network namespaces)
cluster-up: $(VENV)/.dev $(S3RVER)
	$(BIN)/bedflow cluster up

cluster-down: $(VENV)/.dev
	$(BIN)/bedflow cluster down

## cluster-report: 100 users for 3 minutes with faults on the cluster, then reports/cluster.md
cluster-report: $(VENV)/.dev $(S3RVER)
	$(BIN)/python bench/bench_cluster.py

## docs: regenerate the generated references in docs/
docs: $(VENV)/.dev
	$(BIN)/python -c 'import sys, bedflow.dsl as d; sys.stdout.write(d.reference_markdown())' \
		> docs/bed-language.md
	$(BIN)/python -c 'import sys, bedflow.cli._docs as d; sys.stdout.write(d.cli_markdown())' \
		> docs/cli.md

## bench: print the benchmark figures
bench: $(VENV)/.dev
	$(BIN)/python bench/bench_parse.py
	$(BIN)/python bench/bench_dem.py
	$(BIN)/python bench/bench_dem_porosity.py
	$(BIN)/python bench/bench_rigid_porosity.py
	$(BIN)/python bench/bench_packing.py
	$(BIN)/python bench/bench_lbm.py --quick
	$(BIN)/python bench/bench_verification.py --quick
	$(BIN)/python bench/bench_simulate.py
	$(BIN)/python bench/bench_lbm_openfoam.py
	$(BIN)/python bench/bench_api.py
	$(BIN)/python bench/bench_web_particles.py

## deploy-check: build the image and run deploy/compose.yaml for real (root: its own dockerd), submit
## a job through nginx, tear it all down (docs/deploy.md)
deploy-check: $(VENV)/.dev
	UV_VERSION=$(UV_VERSION) bash deploy/check.sh

## deploy-check-engines: deploy-check plus the worker image with OpenFOAM and Blender: the
## workers run on it, and an openfoam job and a blender packing go through nginx (docs/deploy.md)
deploy-check-engines: $(VENV)/.dev
	UV_VERSION=$(UV_VERSION) DEPLOY_CHECK_ENGINES=1 bash deploy/check.sh

clean:
	rm -rf $(VENV) $(TOOLS) $(OUT) .pytest_cache .mypy_cache .ruff_cache
