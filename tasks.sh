#!/usr/bin/env bash
# scm-notebooks tasks: `bash tasks.sh demo` (set up, run every notebook on the demo company,
# print the report index), `bash tasks.sh test` (set up, check style, run the whole test suite: the
# import-layer contracts run inside it, tests/test_architecture.py) and `bash tasks.sh lint`.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
VENV=.venv

setup() {
  if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
  fi
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  # setuptools notes that an editable install shadows nothing here; keep setup output clean
  PYTHONWARNINGS=ignore "$VENV/bin/python" -m pip install --quiet -e '.[dev]'
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
  lint)
    setup
    "$VENV/bin/ruff" format --check scmlib notebooks tests tools benchmarks
    "$VENV/bin/ruff" check scmlib notebooks tests tools benchmarks
    "$VENV/bin/lint-imports"
    ;;
  test)
    setup
    need_chromium
    # style and layers first (seconds), then the suite
    "$VENV/bin/ruff" format --check --quiet scmlib notebooks tests tools benchmarks
    "$VENV/bin/ruff" check --quiet scmlib notebooks tests tools benchmarks
    export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
    "$VENV/bin/python" -m pytest tests notebooks scmlib --doctest-modules --nbval-lax -p no:cacheprovider -q "${@:2}"
    ;;
  *)
    echo "usage: bash tasks.sh demo | test | lint" >&2
    exit 2
    ;;
esac
