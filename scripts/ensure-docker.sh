#!/usr/bin/env bash
# Make sure a BuildKit-capable Docker engine answers and python:3.11-slim exists.
#
# For dlint's own CI and development machines (Debian 12); never needed where Docker is
# installed already. Idempotent: reuses a running engine that has `docker buildx` and an
# existing image. Debian 12's engine (20.10) has no buildx and a BuildKit too old for
# heredocs, so Debian 13's docker.io and docker-buildx are installed over it, fetched
# from the mirror the system's apt sources name. On a machine without an image registry
# it builds a local stand-in for python:3.11-slim from Debian packages (docs/harness.md).
# Safe to run as root in CI (no prompts, no stdin).
#
# A running engine without BuildKit is restarted for the upgrade only when no container
# runs on it; DLINT_ENGINE_UPGRADE=never keeps it as it is.
set -euo pipefail

BASE_IMAGE="${DLINT_BASE_IMAGE:-python:3.11-slim}"
DOCKERD_LOG="${DOCKERD_LOG:-/tmp/dockerd.log}"
ENGINE_TIMEOUT="${ENGINE_TIMEOUT:-60}"
DEBIAN_SOURCES=/etc/apt/sources.list.d/debian.sources
HOST_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
# The Debian release whose docker.io (26) and docker-buildx (0.13) are installed.
BUILDKIT_SUITE="${DLINT_BUILDKIT_SUITE:-trixie}"
ENGINE_UPGRADE="${DLINT_ENGINE_UPGRADE:-auto}"
DOCKER_PIDFILE=/var/run/docker.pid

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

# The Debian mirror the system's apt sources name (deb822 or one-line format), never a
# guessed host: security archives are skipped, and finding none is an error.
debian_mirror() {
    local mirror=""
    if [[ -f "$DEBIAN_SOURCES" ]]; then
        mirror="$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' "$DEBIAN_SOURCES")"
    fi
    if [[ -z "$mirror" ]]; then
        mirror="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
            | awk '$1 == "deb" && $0 !~ /security/ {
                for (i = 2; i <= NF; i++) if ($i ~ /^[a-z+]+:\/\//) { print $i; exit } }' || true)"
    fi
    [[ -n "$mirror" ]] \
        || die "no Debian mirror in the apt sources ($DEBIAN_SOURCES, /etc/apt/sources.list)"
    echo "$mirror"
}

# dockerd 23 or newer (its built-in Dockerfile frontend reads heredocs and mounts) and
# the buildx plugin, installed on this machine.
buildkit_installed() {
    local major
    docker buildx version >/dev/null 2>&1 || return 1
    major="$(dockerd --version 2>/dev/null | sed -n 's/^Docker version \([0-9]*\)\..*/\1/p')"
    [[ -n "$major" ]] && (( major >= 23 ))
}

# The same for the engine that answers now.
buildkit_running() {
    local major
    docker buildx version >/dev/null 2>&1 || return 1
    major="$(docker version --format '{{.Server.Version}}' 2>/dev/null | cut -d. -f1)"
    [[ "$major" =~ ^[0-9]+$ ]] && (( major >= 23 ))
}

# docker.io and docker-buildx from $BUILDKIT_SUITE over Debian 12's docker.io, whose
# containerd, runc, tini and iptables they accept. apt reads a private sources file and
# keeps private lists and caches: the system's own sources and lists stay as they are.
install_buildkit_engine() {
    local state mirror
    command -v dockerd >/dev/null 2>&1 || install_packages docker.io
    mirror="$(debian_mirror)"
    state="$(mktemp -d /tmp/dlint-apt.XXXXXX)"
    chmod 755 "$state"
    mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$state/debs"
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $BUILDKIT_SUITE main" \
        >"$state/sources.list"
    local options=(-o "Dir::Etc::sourcelist=$state/sources.list" -o "Dir::Etc::sourceparts=-"
        -o "Dir::State::Lists=$state/lists" -o "Dir::Cache=$state/cache")
    say "fetching docker.io and docker-buildx from $BUILDKIT_SUITE at $mirror"
    apt_get "${options[@]}" update >/dev/null \
        || die "apt-get update of $BUILDKIT_SUITE from $mirror failed"
    (cd "$state/debs" && apt_get "${options[@]}" download docker.io docker-buildx >/dev/null 2>&1) \
        || die "apt-get download docker.io docker-buildx ($BUILDKIT_SUITE) failed"
    say "installing $(cd "$state/debs" && echo *.deb)"
    dpkg -i "$state"/debs/*.deb >/dev/null || die "dpkg -i of the $BUILDKIT_SUITE engine failed"
    rm -rf "$state"
}

launch_dockerd() {
    say "starting dockerd (log: $DOCKERD_LOG)"
    nohup dockerd >"$DOCKERD_LOG" 2>&1 </dev/null &
}

wait_for_engine() {
    local waited=0
    until engine_answers; do
        if (( waited >= ENGINE_TIMEOUT )); then
            tail -n 20 "$DOCKERD_LOG" >&2 || true
            die "dockerd did not answer 'docker info' within ${ENGINE_TIMEOUT}s (see $DOCKERD_LOG)"
        fi
        sleep 1
        waited=$((waited + 1))
    done
    say "engine $(docker version --format '{{.Server.Version}}') ready after ${waited}s"
}

start_engine() {
    buildkit_installed || install_buildkit_engine
    # The package's own scripts may have started it already.
    engine_answers || launch_dockerd
    wait_for_engine
}

stop_engine() {
    local pid waited=0
    pid="$(cat "$DOCKER_PIDFILE" 2>/dev/null || true)"
    [[ -n "$pid" ]] || die "the running engine has no $DOCKER_PIDFILE; stop it yourself and rerun"
    say "stopping dockerd (pid $pid) to upgrade it"
    kill "$pid"
    while kill -0 "$pid" 2>/dev/null; do
        (( waited < ENGINE_TIMEOUT )) || die "dockerd (pid $pid) did not stop within ${ENGINE_TIMEOUT}s"
        sleep 1
        waited=$((waited + 1))
    done
}

upgrade_running_engine() {
    local why
    why="the engine $(docker version --format '{{.Server.Version}}') has no BuildKit with buildx"
    if [[ "$ENGINE_UPGRADE" == never ]]; then
        say "warning: $why; kept as it is (DLINT_ENGINE_UPGRADE=never)"
        return
    fi
    if [[ -n "$(docker ps -q)" ]]; then
        say "warning: $why and runs containers; not restarting it (dlint test falls back to the classic builder)"
        return
    fi
    stop_engine
    start_engine
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

import_stand_in() {
    ROOTFS="$(mktemp -d /tmp/dlint-rootfs.XXXXXX)"
    trap remove_rootfs EXIT
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
    if ! engine_answers; then
        start_engine
    elif buildkit_running; then
        say "reusing the running engine ($(docker version --format '{{.Server.Version}}'))"
    else
        upgrade_running_engine
    fi
    ensure_base_image
}

# Sourced (as a test does), it only defines the functions.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    main "$@"
fi
