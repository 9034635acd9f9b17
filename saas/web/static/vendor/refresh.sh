#!/usr/bin/env bash
# Fetch the vendored libraries from the npm registry and copy their published files here.
set -euo pipefail
HTMX=2.0.11
ECHARTS=6.1.0
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "htmx.org@$HTMX" "echarts@$ECHARTS" >/dev/null
mkdir htmx echarts
tar xzf "htmx.org-$HTMX.tgz" -C htmx
tar xzf "echarts-$ECHARTS.tgz" -C echarts
cp htmx/package/dist/htmx.min.js htmx/package/LICENSE "$here/htmx/"
cp echarts/package/dist/echarts.common.min.js echarts/package/LICENSE echarts/package/NOTICE \
   echarts/package/licenses/LICENSE-d3 "$here/echarts/"
echo "htmx $HTMX and ECharts $ECHARTS copied to $here"
