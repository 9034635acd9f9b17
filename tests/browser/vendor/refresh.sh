#!/usr/bin/env bash
# Fetch axe-core, which only the browser tests load (tests/browser/test_accessibility.py), from the
# npm registry and copy its published files here. It is no part of the package: the pages never
# serve it.
set -euo pipefail
AXE_CORE=4.14.1
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "axe-core@$AXE_CORE" >/dev/null
tar xzf "axe-core-$AXE_CORE.tgz"
cp package/axe.min.js package/LICENSE package/LICENSE-3RD-PARTY.txt "$here/axe-core/"
echo "axe-core $AXE_CORE copied to $here/axe-core"
