#!/usr/bin/env bash
# Make sure a headless Chromium is on PATH: the HTML report test renders the report in a
# real browser (tests/harness/test_reports.py). Idempotent; installs Debian's `chromium`
# package with apt-get when it is missing. Never needed to use dlint itself.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
say() { echo "ensure-chromium: $*"; }
if command -v chromium >/dev/null 2>&1; then
    say "chromium present"
    exit 0
fi
say "installing chromium with apt-get (about a minute)"
apt-get -o DPkg::Lock::Timeout=600 -q update </dev/null >/dev/null
apt-get -o DPkg::Lock::Timeout=600 -q install -y --no-install-recommends chromium </dev/null >/dev/null
say "installed $(chromium --version 2>/dev/null || echo chromium)"
