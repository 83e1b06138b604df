#!/usr/bin/env bash
# Set up everything the test suite needs on a bare machine, then run the whole suite.
#   bash scripts/test.sh            # all tests
#   bash scripts/test.sh -k w3c     # extra arguments go to pytest
# The package is installed (not editable) into .venv-test, so tests exercise what users install.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${FILMGRAPH_TEST_VENV:-.venv-test}"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check ".[test]"  # a local folder is always reinstalled
# Services the tests use: oxigraph serve comes with the test extras (PyPI); Virtuoso Open Source
# comes from Debian. As root (CI), install it and require it; elsewhere use it if it is there.
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    bash scripts/virtuoso.sh install >&2
    export FILMGRAPH_REQUIRE_VIRTUOSO=1
elif ! command -v virtuoso-t >/dev/null; then
    echo "test.sh: Virtuoso is not installed and this is not root: its tests will be skipped" >&2
fi
export PATH="$PWD/$VENV/bin:$PATH"
exec python -m pytest "$@"
