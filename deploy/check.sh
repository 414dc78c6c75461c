#!/usr/bin/env bash
# make deploy-check: builds the image and runs deploy/compose.yaml for real on this machine,
# then submits a job through nginx and tears everything down.
#
# 1. starts its own Docker daemon (socket and run state in a temporary folder; its layer
#    cache in $BEDFLOW_DEPLOY_CACHE/docker, so a second run rebuilds only what changed);
# 2. builds the local stand-ins of the public images, which no registry serves here: a Debian
#    bookworm base with python3 (deploy/local/base.sh), Node.js (deploy/local/Dockerfile.node,
#    when frontend/ exists) and PostgreSQL/Redis/nginx/moto-as-S3 (Dockerfile.services);
# 3. builds bedflow's image from the repository's Dockerfile on that base;
# 4. starts the stack (deploy/compose.yaml + deploy/compose.local.yaml) with 2 workers and
#    waits until every service is healthy and the one-shot services have succeeded;
# 5. through nginx: signs in, uploads and downloads a file, submits examples/quick-test.bed,
#    follows the job (pack, LBM) over server-sent events to its end, and a second job (the
#    correlation solver) over the WebSocket (bedflow submit);
# 6. with DEPLOY_CHECK_ENGINES=1 (make deploy-check-engines): the worker image is built with
#    OpenFOAM and Blender too (WITH_OPENFOAM=true, WITH_BLENDER=true; step 3 prints the
#    versions bedflow finds in it) and the workers run on it (deploy/compose.engines.yaml);
#    after the jobs above, the admin enables both engines, and a job of the openfoam solver
#    (deploy/beds/openfoam.bed) and a packing by the blender engine (deploy/beds/blender.bed)
#    are followed through nginx to their end;
# 7. always: removes the stack (containers, networks, volumes) and stops its daemon.
#
# Needs root (dockerd), and Debian's docker.io, docker-compose and debootstrap (installed when
# missing). Environment: BEDFLOW_DEPLOY_CACHE (default ~/.cache/bedflow-deploy),
# DEPLOY_CHECK_POOL (address pool of its networks, default 10.213.0.0/16), DEPLOY_CHECK_ENGINES
# (1: the worker image with the engines too), UV_VERSION.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
log() { printf '[deploy-check %3ds] %s\n' "$((SECONDS - started))" "$*"; }
die() { log "FAILED: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root: it starts its own Docker daemon"
missing=()
for tool in dockerd:docker.io docker-compose:docker-compose debootstrap:debootstrap curl:curl; do
    command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cache=${BEDFLOW_DEPLOY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bedflow-deploy}
export BEDFLOW_DEPLOY_CACHE=$cache
mkdir -p "$cache"
exec 9>"$cache/lock"
flock -n 9 || die "another deploy-check holds $cache/lock"

run=$(mktemp -d /tmp/bedflow-deploy.XXXXXX)
export DOCKER_HOST=unix://$run/docker.sock
project=bedflow-check
compose=(docker-compose -p "$project" -f deploy/compose.yaml -f deploy/compose.local.yaml)
engines=${DEPLOY_CHECK_ENGINES:-0}
[ "$engines" = 1 ] && compose+=(-f deploy/compose.engines.yaml)
compose+=(--env-file "$run/env")
base_image=bedflow-local/python:3.11-bookworm
node_image=bedflow-local/node:20-bookworm
services_image=bedflow-local/services:latest
image=bedflow:deploy-check
worker_image=$image
[ "$engines" = 1 ] && worker_image=bedflow-worker:deploy-check
uv_version=${UV_VERSION:-$(sed -n 's/^UV_VERSION := //p' Makefile)}

teardown() {
    local rc=$?
    set +e
    if [ "$rc" != 0 ] && [ -f "$run/env" ]; then
        "${compose[@]}" ps 2>/dev/null
        "${compose[@]}" logs --no-color --tail 40 2>/dev/null | tail -n 200
    fi
    if [ -f "$run/env" ]; then
        log "removing the stack (containers, networks, volumes)"
        "${compose[@]}" down --volumes --remove-orphans --timeout 20 >/dev/null 2>&1
    fi
    if [ -f "$run/dockerd.pid" ]; then
        local pid
        pid=$(cat "$run/dockerd.pid")
        log "stopping dockerd ($pid)"
        kill "$pid" 2>/dev/null
        for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
        kill -9 "$pid" 2>/dev/null
    fi
    grep -o " $run[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null
    rm -rf "$run"
    if [ "$rc" = 0 ]; then
        log "passed in $((SECONDS - started)) s"
    else
        log "failed (exit $rc) after $((SECONDS - started)) s"
    fi
}
trap teardown EXIT

# --- 1. the daemon ------------------------------------------------------------------------------
log "starting dockerd (data root $cache/docker)"
dockerd --host "$DOCKER_HOST" --data-root "$cache/docker" --exec-root "$run/exec" \
    --pidfile "$run/dockerd.pid" --bridge none \
    --default-address-pool "base=${DEPLOY_CHECK_POOL:-10.213.0.0/16},size=24" \
    >"$run/dockerd.log" 2>&1 &
for _ in $(seq 60); do docker version >/dev/null 2>&1 && break; sleep 0.5; done
docker version >/dev/null 2>&1 || { tail -n 20 "$run/dockerd.log"; die "dockerd did not start"; }

# --- 2. local stand-ins of the public images -----------------------------------------------------
docker image inspect "$base_image" >/dev/null 2>&1 || deploy/local/base.sh "$base_image"
build() {  # build TAG CONTEXT [ARGS...]: quiet unless it fails
    local tag=$1 context=$2
    shift 2
    log "building $tag"
    docker build --network host --tag "$tag" "$@" "$context" >"$run/build.log" 2>&1 ||
        { tail -n 40 "$run/build.log"; die "docker build of $tag"; }
}
node_arg=()
if [ -f frontend/package.json ]; then
    command -v node >/dev/null || die "frontend/ needs the host's Node.js for $node_image"
    mkdir "$run/node"
    cp deploy/local/Dockerfile.node "$run/node/Dockerfile"
    tar -C / -cf "$run/node/node.tar" usr/bin/node usr/lib/node_modules/npm
    build "$node_image" "$run/node" --build-arg BASE_IMAGE="$base_image"
    node_arg=(--build-arg NODE_IMAGE="$node_image")
else
    node_arg=(--build-arg NODE_IMAGE="$base_image")  # no dashboard to build: any image will do
fi
mkdir "$run/services"
cp deploy/local/Dockerfile.services "$run/services/Dockerfile"
.tools/bin/uv export --locked --extra dev --no-hashes --no-emit-project --no-header --quiet \
    >"$run/services/constraints.txt"
build "$services_image" "$run/services" --build-arg BASE_IMAGE="$base_image"

# --- 3. bedflow's image --------------------------------------------------------------------------
build "$image" . --build-arg BASE_IMAGE="$base_image" "${node_arg[@]}" \
    --build-arg UV_VERSION="$uv_version"
size() { docker image inspect -f '{{.Size}}' "$1" | awk '{printf "%.0f MB", $1 / 1e6}'; }
log "$image: $(size "$image")"
if [ "$engines" = 1 ]; then
    # The same stages as above (their layers reused) plus Debian's openfoam and blender.
    build "$worker_image" . --build-arg BASE_IMAGE="$base_image" "${node_arg[@]}" \
        --build-arg UV_VERSION="$uv_version" --build-arg WITH_OPENFOAM=true \
        --build-arg WITH_BLENDER=true
    log "$worker_image: $(size "$worker_image")"
    log "the engines bedflow finds in $worker_image (as its user, without a network):"
    docker run --rm --network none "$worker_image" python -c '
from bedflow._registry import PACKING_ENGINES, SOLVERS
for plugin in (SOLVERS.get("openfoam"), PACKING_ENGINES.get("blender")):
    print(f"  {plugin.name}: {plugin.version()}")
' | tee "$run/versions.txt"
    grep -q "openfoam OpenFOAM v" "$run/versions.txt" || die "no OpenFOAM in $worker_image"
    grep -q "blender: Blender [0-9]" "$run/versions.txt" || die "no Blender in $worker_image"
fi
# Old untagged layers go; the newest builder stage stays (untagged too), so the next run reuses it.
docker image prune -f --filter until=72h >/dev/null

# --- 4. the stack --------------------------------------------------------------------------------
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
secret() { python3 -c 'import secrets; print(secrets.token_urlsafe(24))'; }
admin_password=$(secret)
{
    grep -v -e '^#' -e '^$' deploy/.env.example | grep -v -e change-me -e '^BEDFLOW_HTTP_PORT=' \
        -e '^BEDFLOW_IMAGE=' -e '^BEDFLOW_WORKER_IMAGE='
    echo "BEDFLOW_IMAGE=$image"
    echo "BEDFLOW_WORKER_IMAGE=$worker_image"
    echo "SERVICES_IMAGE=$services_image"
    echo "BEDFLOW_HTTP_PORT=$port"
    echo "BEDFLOW_SECRET_KEY=$(secret)$(secret)"
    echo "BEDFLOW_ADMIN_PASSWORD=$admin_password"
    for name in POSTGRES_PASSWORD REPLICATION_PASSWORD REDIS_PASSWORD S3_SECRET_KEY; do
        echo "$name=$(secret)"
    done
} >"$run/env"
"${compose[@]}" config -q
log "starting the stack (2 API replicas, 2 workers on $worker_image, beat, nginx, PostgreSQL primary + replica)"
"${compose[@]}" up -d --scale worker=2 >"$run/up.log" 2>&1 || { cat "$run/up.log"; die "compose up"; }

log "waiting for every health check"
deadline=$((SECONDS + 600))
while :; do
    pending=""
    while read -r name status health code; do
        case "$status/$health" in
            running/healthy) ;;
            exited/*) [ "$code" = 0 ] || die "$name exited with $code" ;;
            */unhealthy) die "$name is unhealthy" ;;
            *) pending="$pending ${name#/}" ;;
        esac
    done < <(docker ps -aq --filter "label=com.docker.compose.project=$project" |
        xargs docker inspect -f '{{.Name}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{.State.ExitCode}}')
    [ -z "$pending" ] && break
    [ "$SECONDS" -lt "$deadline" ] || die "not healthy after 600 s:$pending"
    sleep 3
done
docker ps -a --filter "label=com.docker.compose.project=$project" \
    --format '  {{.Names}}: {{.Status}}' | sort
"${compose[@]}" exec -T postgres-primary sh -c \
    'psql -h 127.0.0.1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -tAc "SELECT client_addr, state FROM pg_stat_replication"' |
    grep -q streaming || die "the replica does not stream from the primary"
log "all healthy; the replica streams from the primary"

# --- 5. a job through nginx -----------------------------------------------------------------------
url=http://127.0.0.1:$port
api=$url/api/v1
json() { python3 -c "import json, sys; print(json.load(sys.stdin)$1)"; }
token=$(curl -fsS "$api/login/access-token" -d username=admin@localhost \
    --data-urlencode "password=$admin_password" | json "['access_token']")
auth=(-H "Authorization: Bearer $token")
log "signed in through nginx"

job=$(BEDFLOW_TOKEN=$token timeout 120 .venv/bin/bedflow submit examples/quick-test.bed \
    --server "$url" --no-follow | tail -n 1 | grep -Eo '[0-9a-f-]{36}' | tail -n 1)
[ -n "$job" ] || die "bedflow submit printed no job id"
bed=$(curl -fsS "${auth[@]}" "$api/jobs/$job" | json "['bed_id']")
log "submitted job $job (bed $bed)"

printf 'deploy-check %s\n' "$(date -u +%FT%TZ)" >"$run/upload.txt"
file=$(curl -fsS "${auth[@]}" -F "file=@$run/upload.txt" "$api/beds/$bed/files?kind=other" | json "['id']")
curl -fsS "${auth[@]}" -o "$run/download.txt" "$api/files/$file/content"
cmp -s "$run/upload.txt" "$run/download.txt" || die "the downloaded file differs from the upload"
log "uploaded and downloaded a file through nginx (S3 behind the API)"

log "following job $job over server-sent events"
timeout 900 curl -fsSN "${auth[@]}" "$api/jobs/$job/events" >"$run/events.txt" || true
status=$(curl -fsS "${auth[@]}" "$api/jobs/$job" | json "['status']")
events=$(grep -c '^data:' "$run/events.txt" || true)
[ "$status" = succeeded ] || { tail -n 5 "$run/events.txt"; die "job $job ended $status"; }
log "job $job succeeded ($events events streamed)"

log "a second job (the correlation solver: quick), followed over the WebSocket (bedflow submit)"
BEDFLOW_TOKEN=$token timeout 900 .venv/bin/bedflow submit examples/quick-test.bed \
    --solver correlation --server "$url" >"$run/submit.txt" 2>&1 || { cat "$run/submit.txt"; die "bedflow submit"; }
tail -n 12 "$run/submit.txt"
log "memory of each container after the two jobs:"
docker stats --no-stream --format '  {{.Name}}: {{.MemUsage}}' | sort

# --- 6. the engines (DEPLOY_CHECK_ENGINES=1) ---------------------------------------------------
[ "$engines" = 1 ] || exit 0
for name in openfoam blender; do
    enabled=$(curl -fsS "${auth[@]}" -X PATCH -H 'Content-Type: application/json' \
        -d '{"enabled": true}' "$api/settings/engines/$name" | json "['enabled']")
    [ "$enabled" = True ] || die "the admin could not enable $name"
done
log "enabled the openfoam solver and the blender engine (PATCH /settings/engines, as the admin)"

# The packing by blender: the pack stage alone, queued first, followed over SSE after the other.
bed=$(curl -fsS "${auth[@]}" -H 'Content-Type: text/plain' --data-binary @deploy/beds/blender.bed \
    "$api/beds" | json "['id']")
blender_job=$(curl -fsS "${auth[@]}" -H 'Content-Type: application/json' \
    -d "{\"bed_id\": \"$bed\", \"stages\": [\"pack\"]}" "$api/jobs" | json "['id']")
log "submitted job $blender_job: deploy/beds/blender.bed, the pack stage (blender)"

log "the openfoam solver on deploy/beds/openfoam.bed, followed over the WebSocket (bedflow submit)"
foam_started=$SECONDS
BEDFLOW_TOKEN=$token timeout 1800 .venv/bin/bedflow submit deploy/beds/openfoam.bed \
    --server "$url" >"$run/foam.txt" 2>&1 || { tail -n 40 "$run/foam.txt"; die "the openfoam job"; }
tail -n 12 "$run/foam.txt"
foam_job=$(grep -Eo 'job [0-9a-f-]{36}' "$run/foam.txt" | tail -n 1 | cut -d' ' -f2)
[ -n "$foam_job" ] || die "bedflow submit printed no job id"
simulation=$(curl -fsS "${auth[@]}" "$api/jobs/$foam_job" | json "['simulation_id']")
curl -fsS "${auth[@]}" "$api/results?simulation_id=$simulation" | python3 -c '
import json, sys
result = json.load(sys.stdin)["data"][0]
assert result["solver"] == "openfoam" and result["pressure_drop_per_length"] > 0, result
print("  solver %(solver)s (%(solver_version)s), dp/L %(pressure_drop_per_length).4g Pa/m, "
      "%(iterations)s iterations" % result)
' || die "job $foam_job has no result of the openfoam solver"
log "job $foam_job (openfoam) succeeded in $((SECONDS - foam_started)) s"

log "following job $blender_job (blender) over server-sent events"
timeout 900 curl -fsSN "${auth[@]}" "$api/jobs/$blender_job/events" >"$run/blender-events.txt" || true
status=$(curl -fsS "${auth[@]}" "$api/jobs/$blender_job" | json "['status']")
[ "$status" = succeeded ] || { tail -n 5 "$run/blender-events.txt"; die "job $blender_job ended $status"; }
curl -fsS "${auth[@]}" "$api/jobs/$blender_job/logs?limit=1000" | python3 -c '
import json, sys
lines = [e["message"] for e in json.load(sys.stdin)["data"] if e["stage"] == "pack" and e["kind"] == "log"]
print("\n".join("  " + line for line in lines))
assert any(line.endswith(" with blender") for line in lines), lines
' || die "job $blender_job did not pack with blender"
log "job $blender_job (blender) succeeded"
log "memory of each container after the engines' jobs:"
docker stats --no-stream --format '  {{.Name}}: {{.MemUsage}}' | sort
