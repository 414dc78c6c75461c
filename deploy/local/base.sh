#!/usr/bin/env bash
# Builds the local stand-in for the public python:3.11-slim-bookworm image, for machines that
# reach Debian's package archive but no container registry (this project's CI and test hosts):
# debootstrap bookworm with python3 and python3-venv, the host's extra CA certificates (a local
# proxy's), then `docker import`. The root file system is cached as a tarball; the import runs
# on every call (the daemon of `make deploy-check` starts empty).
#
#   deploy/local/base.sh IMAGE_TAG        (needs root, debootstrap and DOCKER_HOST)
set -euo pipefail

tag=${1:?usage: base.sh IMAGE_TAG}
cache=${BEDFLOW_DEPLOY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bedflow-deploy}
tarball=$cache/debian-bookworm-python3.tar
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

if [ ! -s "$tarball" ]; then
    mkdir -p "$cache"
    root=$(mktemp -d "$cache/rootfs.XXXXXX")
    trap 'rm -rf "$root"' EXIT
    echo "[base] debootstrap bookworm into $root (about a minute, once)"
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
        bookworm "$root" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
        { tail -n 20 "$cache/debootstrap.log"; exit 1; }
    cat >"$root/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SOURCES
    # A proxy that re-signs TLS with a local CA is trusted in the image as on the host.
    if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
        cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
        chroot "$root" update-ca-certificates >/dev/null
    fi
    # python3 as the public image names it (/usr/local/bin/python is what its users call).
    ln -sf /usr/bin/python3 "$root/usr/local/bin/python"
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/archives/*.deb
    tar -C "$root" --numeric-owner -cf "$tarball.part" .
    mv "$tarball.part" "$tarball"
fi
docker import --change 'ENV LANG=C.UTF-8' --change 'CMD ["python3"]' "$tarball" "$tag" >/dev/null
echo "[base] $tag imported from $tarball"
