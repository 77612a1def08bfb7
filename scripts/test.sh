#!/usr/bin/env bash
# Run every test on a fresh machine: set up, start Docker (the harness tests need a real
# engine), then ruff, mypy and pytest. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$(bash scripts/setup.sh)"
bash scripts/ensure-docker.sh
bash scripts/ensure-chromium.sh  # the HTML report test renders in headless Chromium
bash scripts/ensure-remote-engines.sh  # sshd and podman for tests/harness/test_remote_engines.py
export DLINT_REQUIRE_DOCKER=1
echo "== ruff"
"$BIN/ruff" check .
"$BIN/ruff" format --check .
echo "== mypy"
"$BIN/mypy"  # what it checks, and what not yet: [tool.mypy] in pyproject.toml
echo "== pytest"
"$BIN/python" -m pytest "$@"
