#!/usr/bin/env bash
# scm-notebooks tasks: `bash tasks.sh demo` (set up, run every notebook on the demo company,
# print the report index) and `bash tasks.sh test` (set up, run the whole test suite).
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
VENV=.venv

setup() {
  if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
  fi
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -e '.[dev]'
}

need_chromium() {
  if [ -x /usr/bin/chromium ]; then return 0; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "The browser tests need Debian's chromium (/usr/bin/chromium): run 'sudo apt-get install chromium'." >&2
    exit 1
  fi
}

case "${1:-}" in
  demo)
    setup
    "$VENV/bin/scm" run --all
    ;;
  test)
    setup
    need_chromium
    export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
    "$VENV/bin/python" -m pytest tests notebooks --nbval-lax -p no:cacheprovider -q "${@:2}"
    ;;
  *)
    echo "usage: bash tasks.sh demo | test" >&2
    exit 2
    ;;
esac
