# One image for the API, the workers, beat and the migrations (docs/deploy.md).
#
#   docker build -t bedflow .                                  # API and light workers
#   docker build -t bedflow-worker --build-arg WITH_OPENFOAM=true --build-arg WITH_BLENDER=true .
#
# Python packages install from uv.lock (`uv sync --locked`: the build fails when pyproject.toml
# and the lock disagree), at the uv version the Makefile pins; the dashboard installs from
# frontend/package-lock.json (`npm ci`). Works with the legacy builder and BuildKit alike.

# Debian bookworm with Python 3.11; any image with python3 and its venv module will do
# (make deploy-check builds one from Debian's packages: deploy/local/base.sh).
ARG BASE_IMAGE=python:3.11-slim-bookworm
# Node.js 20 or newer with npm, for the dashboard; unused when the checkout has no frontend/.
ARG NODE_IMAGE=node:20-bookworm-slim

# --- the dashboard: frontend/dist, or an empty folder when there is no frontend/ ---------------
FROM ${NODE_IMAGE} AS dashboard
WORKDIR /frontend
# README.md is always there, so the copy succeeds when the glob matches nothing.
COPY README.md frontend* ./
RUN if [ -f package.json ]; then \
        npm ci --no-audit --no-fund && npm run build && mv dist /dashboard; \
    else \
        mkdir /dashboard; \
    fi

# --- Python: the locked dependencies, then bedflow itself, into /app/.venv ---------------------
FROM ${BASE_IMAGE} AS builder
ARG UV_VERSION=0.13.9
# The system's certificate store, as pip uses it (a proxy's local CA in it is then trusted).
ENV UV_SYSTEM_CERTS=1 \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy
RUN python3 -m venv /opt/uv && /opt/uv/bin/pip install --no-cache-dir "uv==${UV_VERSION}"
WORKDIR /app
# The dependencies first: their layer is kept while only bedflow's source changes.
COPY pyproject.toml uv.lock ./
RUN /opt/uv/bin/uv sync --locked --no-dev --no-install-project --no-cache --python python3
COPY README.md ./
COPY src ./src
# The built dashboard goes into the package (bedflow/_web, package data), where the installed
# server looks for it; an empty folder when there is no frontend/ (the server then says so).
COPY --from=dashboard /dashboard ./src/bedflow/_web
RUN /opt/uv/bin/uv sync --locked --no-dev --no-editable --no-cache --python python3

# --- the runtime image ------------------------------------------------------------------------
FROM ${BASE_IMAGE} AS runtime
# Worker images: the OpenFOAM solver (Debian's openfoam, ESI v1912: 500 MB installed) and the
# Blender packing engine (Debian's blender 3.4: 1 GB with its libraries), so both are off by
# default. `apt-get clean`: the downloaded packages stay out of the layer on any base (the
# public python image deletes them by its own apt configuration; a debootstrapped one keeps
# them, 400 MB here).
ARG WITH_OPENFOAM=false
ARG WITH_BLENDER=false
RUN set -eu; pkgs=""; \
    if [ "$WITH_OPENFOAM" = true ]; then pkgs="$pkgs openfoam"; fi; \
    if [ "$WITH_BLENDER" = true ]; then pkgs="$pkgs blender"; fi; \
    if [ -n "$pkgs" ]; then \
        apt-get update \
        && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $pkgs \
        && apt-get clean \
        && rm -rf /var/lib/apt/lists/*; \
    fi
# A fixed, unprivileged uid: volumes and Kubernetes' runAsUser can name it.
RUN groupadd --system --gid 10001 bedflow \
    && useradd --system --uid 10001 --gid bedflow --home-dir /var/lib/bedflow --create-home \
        --shell /usr/sbin/nologin bedflow
COPY --from=builder /app/.venv /app/.venv
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    BEDFLOW_DATA_DIR=/var/lib/bedflow \
    BEDFLOW_CACHE_DIR=/var/lib/bedflow/cache \
    BEDFLOW_ENVIRONMENT=production \
    NUMBA_CACHE_DIR=/var/cache/bedflow/numba
RUN install -d -o 10001 -g 10001 /var/cache/bedflow
WORKDIR /var/lib/bedflow
USER 10001:10001
# The numba kernels compiled once, here, into a cache the running user may extend: numba only
# reads a cache in a folder it can write (on another CPU it compiles again, into it).
RUN bedflow warm-up
EXPOSE 8000
# The API's own health: database, object store and broker (503 when one is down). Workers and
# beat override it (deploy/compose.yaml, deploy/k8s).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health', timeout=4)"]
CMD ["bedflow", "serve", "--host", "0.0.0.0", "--port", "8000"]
