#!/usr/bin/env bash
# make demo: every seed suite on the embedded netns provider, then one summary screen.
# Violations (exit 1) are findings, not a failed demo: seed 004's policies are wrong on
# purpose and the demo must show it. Bad input (2) or infrastructure errors (3) fail it.
set -uo pipefail
cd "$(dirname "$0")/.."
node bin/flowproof.js run --provider netns "$@"
rc=$?
case $rc in
  0) echo "demo: every flow behaved as declared." ;;
  1) echo "demo: finished; the violations above are real findings about the seed policies (see suites/README.md)." ;;
  *) echo "demo: failed (exit $rc)"; exit $rc ;;
esac
echo "open the compliance reports: ls -d reports/*/index.html"
