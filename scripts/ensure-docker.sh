#!/usr/bin/env bash
# Make sure a Docker engine answers and the base image python:3.11-slim exists.
#
# Idempotent: reuses a running engine and an existing image. On a machine without an
# image registry it builds a local stand-in for python:3.11-slim from Debian packages
# (see docs/harness.md). Safe to run as root in CI (no prompts, no stdin).
set -euo pipefail

BASE_IMAGE="${DLINT_BASE_IMAGE:-python:3.11-slim}"
DOCKERD_LOG="${DOCKERD_LOG:-/tmp/dockerd.log}"
ENGINE_TIMEOUT="${ENGINE_TIMEOUT:-60}"
DEBIAN_SOURCES=/etc/apt/sources.list.d/debian.sources
HOST_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt

export DEBIAN_FRONTEND=noninteractive

say() { echo "ensure-docker: $*"; }
die() { echo "ensure-docker: error: $*" >&2; exit 1; }

engine_answers() { docker info >/dev/null 2>&1; }

# apt-get refuses to run while another apt/dpkg holds the lock; wait instead of failing.
apt_get() {
    apt-get -o DPkg::Lock::Timeout=600 -q "$@" </dev/null
}

install_packages() {
    say "installing $* with apt-get"
    apt_get update >/dev/null
    apt_get install -y --no-install-recommends "$@" >/dev/null
}

start_engine() {
    command -v dockerd >/dev/null 2>&1 || install_packages docker.io
    say "starting dockerd (log: $DOCKERD_LOG)"
    nohup dockerd >"$DOCKERD_LOG" 2>&1 </dev/null &
    local waited=0
    until engine_answers; do
        if (( waited >= ENGINE_TIMEOUT )); then
            tail -n 20 "$DOCKERD_LOG" >&2 || true
            die "dockerd did not answer 'docker info' within ${ENGINE_TIMEOUT}s (see $DOCKERD_LOG)"
        fi
        sleep 1
        waited=$((waited + 1))
    done
    say "engine ready after ${waited}s"
}

debian_mirror() {
    local mirror
    mirror="$(awk '/^URIs:/ {print $2; exit}' "$DEBIAN_SOURCES" 2>/dev/null || true)"
    echo "${mirror:-http://deb.debian.org/debian}"
}

# A rootfs made by debootstrap, adjusted to behave like the official image for pip.
build_rootfs() {
    local rootfs="$1" mirror
    mirror="$(debian_mirror)"
    command -v debootstrap >/dev/null 2>&1 || install_packages debootstrap
    say "debootstrap bookworm from $mirror (about a minute)"
    debootstrap --variant=minbase \
        --include=python3,python3-venv,python3-pip,python-is-python3,ca-certificates \
        bookworm "$rootfs" "$mirror" >/tmp/debootstrap.log 2>&1 \
        || { tail -n 20 /tmp/debootstrap.log >&2; die "debootstrap failed (see /tmp/debootstrap.log)"; }
    rm -f "$rootfs"/usr/lib/python3*/EXTERNALLY-MANAGED
    cp "$HOST_CA_BUNDLE" "$rootfs/etc/ssl/certs/ca-certificates.crt"
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
}

ROOTFS=""
remove_rootfs() { [[ -z "$ROOTFS" ]] || rm -rf "$ROOTFS"; }
trap remove_rootfs EXIT

import_stand_in() {
    ROOTFS="$(mktemp -d /tmp/dlint-rootfs.XXXXXX)"
    build_rootfs "$ROOTFS"
    say "importing the rootfs as $BASE_IMAGE"
    tar -C "$ROOTFS" -c . | docker import \
        --change 'ENV LANG=C.UTF-8' \
        --change 'CMD ["python3"]' \
        --change 'LABEL org.opencontainers.image.description="local stand-in for python:3.11-slim built with debootstrap from Debian bookworm packages (Python at /usr/bin/python3)"' \
        - "$BASE_IMAGE" >/dev/null
    say "built local stand-in $BASE_IMAGE"
}

ensure_base_image() {
    if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
        say "base image $BASE_IMAGE present"
        return
    fi
    say "pulling $BASE_IMAGE"
    if timeout 60 docker pull -q "$BASE_IMAGE" >/dev/null 2>&1; then
        say "pulled $BASE_IMAGE"
        return
    fi
    say "no registry answered; building a local stand-in"
    import_stand_in
}

main() {
    if engine_answers; then
        say "reusing the running engine"
    else
        start_engine
    fi
    ensure_base_image
}

main "$@"
