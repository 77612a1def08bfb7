#!/usr/bin/env bash
# The main job on a fresh machine: set up, lint the reference service, then build it on a
# real Docker engine and test it from inside and outside. Exit code: dlint's.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$(bash scripts/setup.sh)"
bash scripts/ensure-docker.sh
echo "== dlint check reference"
"$BIN/dlint" check reference
echo "== dlint test reference"
"$BIN/dlint" test reference "$@"
