#!/usr/bin/env bash
# Make sure sshd and podman are installed: the remote-engine tests
# (tests/harness/test_remote_engines.py) start an sshd of their own in front of a second
# dockerd, for DOCKER_HOST=ssh://, and a Podman API service of their own. Neither is
# started here, and neither is needed to use dlint.
#
# Idempotent: installs Debian's openssh-server and podman with apt-get only when `sshd` or
# `podman` is missing. The packages' services are not started on the project's machines
# (their /usr/sbin/policy-rc.d refuses service starts, as in Debian's container images),
# and the tests use their own configuration, keys, ports and storage.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
say() { echo "ensure-remote-engines: $*"; }

missing=()
[[ -x /usr/sbin/sshd ]] || missing+=(openssh-server)
command -v podman >/dev/null 2>&1 || missing+=(podman)
if (( ${#missing[@]} == 0 )); then
    say "sshd and podman present ($(podman --version))"
    exit 0
fi
say "installing ${missing[*]} with apt-get"
apt-get -o DPkg::Lock::Timeout=600 -q update </dev/null >/dev/null
apt-get -o DPkg::Lock::Timeout=600 -q install -y --no-install-recommends "${missing[@]}" \
    </dev/null >/dev/null
say "installed $(podman --version), $(/usr/sbin/sshd -V 2>&1 | head -n 1)"
