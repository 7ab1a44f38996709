#!/usr/bin/env bash
# Build the double-clickable app (one folder: dist/FactorDesk) from build.spec and self-test it
# off screen; a failing frozen self-test fails the build. Called by `./dev dist`, which installs
# Qt's libraries and the venv first. Prints the build time and the size of the folder.
set -euo pipefail
cd "$(dirname "$0")/.."

LIMIT_MB=300
start=$(date +%s)
.venv/bin/pyinstaller build.spec --noconfirm --log-level WARN
size_mb=$(du -sm dist/FactorDesk | cut -f1)
echo "build: $(( $(date +%s) - start )) s, dist/FactorDesk: ${size_mb} MB"
if [ "$size_mb" -gt "$LIMIT_MB" ]; then
  echo "warning: dist/FactorDesk is over ${LIMIT_MB} MB; see UNUSED_PATHS and EXCLUDES in build.spec" >&2
fi
QT_QPA_PLATFORM=offscreen dist/FactorDesk/FactorDesk --selftest
