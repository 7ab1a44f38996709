#!/usr/bin/env bash
# Build the double-clickable app from build.spec, hold it to the size budget, self-test it off
# screen and zip it:
#   dist/FactorDesk/                              the one-folder app (and dist/FactorDesk.app on macOS)
#   dist/FactorDesk-<version>-<os>-<arch>.zip     what a release ships (the .app on macOS)
# Fails when the folder is over budget (printing its ten largest parts) or the frozen self-test
# fails. Called by `./dev dist` on Linux (which installs Qt's libraries and the venv first) and
# by CI on Linux, Windows and macOS (.github/workflows/build.yml); plain bash 3.2, so it also
# runs in macOS' bash and Git Bash on Windows. PYTHON overrides the venv's interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."

BUDGET_MB=300  # the most dist/FactorDesk may weigh, on every platform
case "$(uname -s)" in
  Linux*)  os=linux;   app=dist/FactorDesk/FactorDesk;     venv_python=.venv/bin/python ;;
  Darwin*) os=macos;   app=dist/FactorDesk/FactorDesk;     venv_python=.venv/bin/python ;;
  *)       os=windows; app=dist/FactorDesk/FactorDesk.exe; venv_python=.venv/Scripts/python.exe ;;
esac
PY="${PYTHON:-$venv_python}"

start=$(date +%s)
"$PY" -m PyInstaller build.spec --noconfirm --log-level WARN
echo "build: $(( $(date +%s) - start )) s"
"$PY" packaging/sizes.py dist/FactorDesk --budget "$BUDGET_MB"
QT_QPA_PLATFORM=offscreen "$app" --version  # the bundled pyproject.toml (no line on Windows: no console)
QT_QPA_PLATFORM=offscreen "$app" --selftest

version=$("$PY" -c "import tomllib; print(tomllib.load(open('pyproject.toml', 'rb'))['project']['version'])")
archive="dist/FactorDesk-$version-$os-$(uname -m).zip"
rm -f "$archive"
if [ "$os" = macos ]; then  # ditto keeps the bundle's symbolic links and signatures
  ditto -c -k --keepParent dist/FactorDesk.app "$archive"
else
  "$PY" -m zipfile -c "$archive" dist/FactorDesk  # stored as FactorDesk/..., file modes kept
fi
echo "archive: $archive"
