#!/usr/bin/env bash
# Make sure sshd, podman and openssl are installed: the remote-engine tests
# (tests/harness/test_remote_engines.py) start an sshd of their own in front of a second
# dockerd, for DOCKER_HOST=ssh://, and a Podman API service of their own, and make the
# second dockerd's TLS certificates with openssl. Nothing is started here, and none of it
# is needed to use dlint.
#
# Idempotent: installs Debian's openssh-server, podman and openssl with apt-get only when
# one of them is missing. The packages' own services (an sshd on port 22) are never started:
# invoke-rc.d asks /usr/sbin/policy-rc.d, which refuses them on the project's machines, as
# in Debian's container images, and is put there for the install where it is missing. The
# tests use their own configuration, keys, ports and storage.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
say() { echo "ensure-remote-engines: $*"; }

missing=()
[[ -x /usr/sbin/sshd ]] || missing+=(openssh-server)
command -v podman >/dev/null 2>&1 || missing+=(podman)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if (( ${#missing[@]} == 0 )); then
    say "sshd, podman and openssl present ($(podman --version))"
    exit 0
fi
POLICY=/usr/sbin/policy-rc.d
if [[ ! -e "$POLICY" ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$POLICY"
    chmod 755 "$POLICY"
    trap 'rm -f "$POLICY"' EXIT
fi
say "installing ${missing[*]} with apt-get"
apt-get -o DPkg::Lock::Timeout=600 -q update </dev/null >/dev/null
apt-get -o DPkg::Lock::Timeout=600 -q install -y --no-install-recommends "${missing[@]}" \
    </dev/null >/dev/null
say "installed $(podman --version), $(/usr/sbin/sshd -V 2>&1 | head -n 1)"
