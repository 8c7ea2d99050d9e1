#!/usr/bin/env bash
# The GitHub Action's step summary: `bash scripts/action-summary.sh <markdown file>` appends
# the file to $GITHUB_STEP_SUMMARY when it is set (GitHub shows it on the run's page), and
# says so and does nothing otherwise. GitHub takes at most 1 MiB per step: a longer file is
# cut there, saying where the whole of it is. No network.
set -euo pipefail

file="${1:-}"
if [ -z "$file" ] || [ ! -f "$file" ]; then
  echo "flowproof summary: usage: action-summary.sh <markdown file> (got \"$file\")" >&2
  exit 2
fi
if [ -z "${GITHUB_STEP_SUMMARY:-}" ]; then
  echo "flowproof summary: \$GITHUB_STEP_SUMMARY is not set (not on GitHub Actions): $file is the summary"
  exit 0
fi
limit=$((1024 * 1024 - 4096))
size="$(wc -c <"$file")"
if [ "$size" -le "$limit" ]; then
  cat "$file" >>"$GITHUB_STEP_SUMMARY"
else
  {
    head -c "$limit" "$file"
    printf '\n\n… cut here: a step summary takes at most 1 MiB; the whole of it is %s in the artifact.\n' "$file"
  } >>"$GITHUB_STEP_SUMMARY"
fi
echo >>"$GITHUB_STEP_SUMMARY"
echo "flowproof summary: $file appended to the step summary"
