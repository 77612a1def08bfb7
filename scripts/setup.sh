#!/usr/bin/env bash
# Create (or reuse) the project virtualenv .venv and install dlint into it with the
# development tools. Idempotent; prints the venv's bin folder on its last line.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${DLINT_VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
    echo "setup: creating $VENV" >&2
    python3 -m venv "$VENV"
fi
echo "setup: installing dlint and its development tools into $VENV" >&2
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e '.[dev]' >&2
echo "$VENV/bin"
