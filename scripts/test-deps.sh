#!/usr/bin/env bash
# What the tests need beyond `npm ci`, fetched or built when missing. `npm test` runs this first, so
# the README's test command passes on a fresh machine; each step says what it fetches, or that it
# found it already. Add a program the tests need here, as one more step.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "test-deps: $*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# promtool and amtool check the alert rules, the notification routes and the dashboard queries
# (test/collector/). They come with Debian's prometheus and prometheus-alertmanager packages.
if command -v promtool >/dev/null && command -v amtool >/dev/null; then
  say "promtool and amtool present ($(command -v promtool), $(command -v amtool))"
elif command -v apt-get >/dev/null; then
  say "fetching promtool and amtool: Debian's prometheus and prometheus-alertmanager packages, with apt-get"
  daemons_before="$(pgrep -f '^/usr/bin/prometheus' || true)"
  # The packages would start their daemons; a policy-rc.d that refuses every start stops that.
  policy=/usr/sbin/policy-rc.d
  added_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
    as_root chmod +x "$policy"
    added_policy=1
  fi
  as_root timeout 300 apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive timeout 600 \
    apt-get install -y -qq --no-install-recommends prometheus prometheus-alertmanager >/dev/null
  if [ -n "$added_policy" ]; then as_root rm -f "$policy"; fi
  # Should a daemon have started all the same, stop the ones this install started, by their ids.
  for pid in $(pgrep -f '^/usr/bin/prometheus' || true); do
    if ! grep -qx "$pid" <<<"$daemons_before"; then as_root kill "$pid" || true; fi
  done
  say "promtool $(promtool --version 2>&1 | head -1 | cut -d' ' -f3), amtool $(amtool --version 2>&1 | head -1 | cut -d' ' -f3) installed"
else
  say "promtool and amtool are missing and there is no apt-get here: install Prometheus 2.x's promtool" \
    "and Alertmanager's amtool on PATH, then run the tests again" >&2
  exit 1
fi

# The observability stack's programs that test/stack/ runs (collector, Jaeger, Prometheus 3), built
# from the Go module proxy and cached by version under ~/.cache/queuetel/stack/: nothing to do when
# warm; a cold build takes long (README.md, "Test"). It names the step that failed, if one does.
say "stack programs (scripts/stack/build.ts)"
node --import tsx scripts/stack/build.ts
