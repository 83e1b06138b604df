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
# Services the tests use: oxigraph serve comes with the test extras (PyPI); Virtuoso Open Source,
# headless Chromium (driven by Playwright with the system browser: Playwright's own browser
# download cannot work here) and CJK fonts come from Debian. As root (CI), install them and require
# them; elsewhere use them if they are there.
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    bash scripts/virtuoso.sh install >&2
    if ! command -v chromium >/dev/null || ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -q --no-install-recommends chromium fonts-noto-cjk >&2 ||
            { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends chromium fonts-noto-cjk >&2; }
    fi
    export FILMGRAPH_REQUIRE_VIRTUOSO=1 FILMGRAPH_REQUIRE_BROWSER=1
else
    command -v virtuoso-t >/dev/null || echo "test.sh: no Virtuoso and not root: its tests will be skipped" >&2
    command -v chromium >/dev/null || echo "test.sh: no Chromium and not root: browser tests will be skipped" >&2
fi
mkdir -p test-artifacts
export FILMGRAPH_ARTIFACTS="$PWD/test-artifacts"
export PATH="$PWD/$VENV/bin:$PATH"
exec python -m pytest "$@"
