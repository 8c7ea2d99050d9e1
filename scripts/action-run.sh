#!/usr/bin/env bash
# The GitHub Action's run mode (action.yml, mode: run), runnable anywhere: flowproof run of
# every suite on the netns provider (as root: through sudo when not root) or on kind, the
# evidence bundles written under the reports directory. Installing what the provider needs
# (Debian packages; kind, kubectl, Docker) is the caller's part: the action does it in its own
# steps, this script uses no network. Run it from the repository the suites live in.
#
# Input (environment; action.yml passes its inputs this way, never pasted into a script):
#   FLOWPROOF_SUITES    suite files, separated by spaces or newlines; a word with * ? [ is a
#                       glob (required)
#   FLOWPROOF_PROVIDER  netns (default) or kind
#   FLOWPROOF_CNI       kind's CNI: calico (default) or cilium
#   FLOWPROOF_REPORTS   where the bundles are written (default flowproof-reports)
#   FLOWPROOF_CLI       the flowproof entry (default bin/flowproof.js beside this script)
# Output: one bundle per suite, <reports>/<suite>-<time>/ (flowproof's own), and
# <reports>/run.md (every bundle's summary.md, which states its evidence class: the step summary;
# flowproof run itself is kept from appending to $GITHUB_STEP_SUMMARY, so nothing shows
# twice). With $GITHUB_OUTPUT set: bundle (the new bundle directories, one a line),
# markdown and reports.
# Exit: flowproof run's (0 as declared, 1 violations or inconclusive, 2 bad input,
# 3 infrastructure); anything else counts as 3.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cli="${FLOWPROOF_CLI:-$here/../bin/flowproof.js}"
reports="${FLOWPROOF_REPORTS:-flowproof-reports}"
provider="${FLOWPROOF_PROVIDER:-netns}"
cni="${FLOWPROOF_CNI:-calico}"
# shellcheck source=SCRIPTDIR/action-common.sh
source "$here/action-common.sh"

suites=()
read_suites "${FLOWPROOF_SUITES:-}"
case "$provider" in
  netns | kind) ;;
  *) echo "flowproof run: provider must be netns or kind, got \"$provider\"" >&2; exit 2 ;;
esac
case "$cni" in
  calico | cilium) ;;
  *) echo "flowproof run: cni must be calico or cilium, got \"$cni\"" >&2; exit 2 ;;
esac

mkdir -p "$reports"
shopt -s nullglob
declare -A before=()
for entry in "$reports"/*/; do before["$entry"]=1; done

args=(run "${suites[@]}" --provider "$provider" --reports "$reports")
if [ "$provider" = kind ]; then args+=(--cni "$cni"); fi
node_bin="$(command -v node)"
sudo_used=0
set +e
if [ "$provider" = netns ] && [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "flowproof run: the netns provider needs root, and there is no sudo here" >&2
    exit 3
  fi
  sudo_used=1
  # sudo resets the environment: keep what names the CI job in the evidence (provenance),
  # and the node of this job (sudo's PATH may have another or none); never the step summary.
  sudo env -u GITHUB_STEP_SUMMARY \
    "GITHUB_ACTIONS=${GITHUB_ACTIONS:-}" "GITHUB_ACTOR=${GITHUB_ACTOR:-}" \
    "GITHUB_SERVER_URL=${GITHUB_SERVER_URL:-}" "GITHUB_REPOSITORY=${GITHUB_REPOSITORY:-}" \
    "GITHUB_WORKFLOW=${GITHUB_WORKFLOW:-}" "GITHUB_RUN_ID=${GITHUB_RUN_ID:-}" \
    "GITHUB_RUN_NUMBER=${GITHUB_RUN_NUMBER:-}" "CI=${CI:-}" \
    "$node_bin" "$cli" "${args[@]}"
  rc=$?
else
  env -u GITHUB_STEP_SUMMARY "$node_bin" "$cli" "${args[@]}"
  rc=$?
fi
set -e
rc="$(norm "$rc")"
# The bundles belong to the job's user again, for the artifact upload and the next checkout.
if [ "$sudo_used" -eq 1 ]; then sudo chown -R "$(id -u):$(id -g)" "$reports" || true; fi

bundles=()
for entry in "$reports"/*/; do
  [ -z "${before[$entry]:-}" ] || continue
  bundles+=("${entry%/}")
done
shopt -u nullglob

run_md="$reports/run.md"
how="--provider $provider"
if [ "$provider" = kind ]; then how="$how --cni $cni"; fi
{
  echo "## flowproof run: exit $rc ($how)"
  echo
  if [ ${#bundles[@]} -eq 0 ]; then echo "No bundle was written (see the step's log)."; echo; fi
  for b in "${bundles[@]}"; do
    if [ -f "$b/summary.md" ]; then
      cat "$b/summary.md"
    elif [ -f "$b/failure.json" ]; then
      echo "### \`$b\`: infrastructure failure (failure.json and the diagnostics in the artifact)"
    else
      echo "### \`$b\`: no summary.md"
    fi
    echo
  done
} >"$run_md"

output bundle "${bundles[@]}"
output markdown "$run_md"
output reports "$reports"
echo "flowproof run: exit $rc; bundles: ${bundles[*]:-none}; summary in $run_md"
exit "$rc"
