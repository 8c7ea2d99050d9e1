#!/usr/bin/env bash
# shellcheck disable=SC2016 # backticks in single quotes are markdown code spans, never commands
# The GitHub Action's check mode (action.yml, mode: check), runnable anywhere: for every suite
# flowproof validate, lint, plan, coverage (with --min when a minimum is given) and, when a
# base revision is given, diff of the suite's policies against that revision. No cluster and
# no network: the base revision must already be in the repository (the action fetches it).
# Run it from the repository the suites live in (diff reads the base with git show there).
#
# Input (environment; action.yml passes its inputs this way, never pasted into a script):
#   FLOWPROOF_SUITES        suite files, separated by spaces or newlines; a word with * ? [
#                           is a glob (required)
#   FLOWPROOF_BASE_REF      git revision to diff against; empty: no diff (not a pull request)
#   FLOWPROOF_POLICIES      policy files and directories to diff, separated by spaces or
#                           newlines; empty: per suite, the directories its spec.policies files
#                           live in (scripts/action-lib.mjs policies)
#   FLOWPROOF_MIN_COVERAGE  percent of rule items the flows must cover: exercise and probe the boundary of (coverage --min);
#                           empty: no gate
#   FLOWPROOF_REPORTS       output directory (default flowproof-reports)
#   FLOWPROOF_CLI           the flowproof entry (default bin/flowproof.js beside this script)
# Output in $FLOWPROOF_REPORTS: check.md (a table of every step and exit code, the failing
# steps' output, then diff.md: the step summary), diff.md (every suite's diff: the pull
# request comment), diff.json ({baseRef, suites: [{suite, exitCode, diff}]}), diff/ (per
# suite: the diff's JSON, markdown and Mermaid views), logs/ (every step's output). With
# $GITHUB_OUTPUT set: markdown, comment, diff-json and reports.
# Exit: the worst exit code of any step, 3 > 2 > 1 > 0 (any other code counts as 3).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cli="${FLOWPROOF_CLI:-$here/../bin/flowproof.js}"
lib="$here/action-lib.mjs"
reports="${FLOWPROOF_REPORTS:-flowproof-reports}"
base_ref="${FLOWPROOF_BASE_REF:-}"
min_coverage="${FLOWPROOF_MIN_COVERAGE:-}"
# shellcheck source=SCRIPTDIR/action-common.sh
source "$here/action-common.sh"

read_suites "${FLOWPROOF_SUITES:-}"
if [ -n "$min_coverage" ] && ! [[ $min_coverage =~ ^[0-9]+([.][0-9]{1,2})?$ ]]; then
  echo "flowproof check: min-coverage must be a percent from 0 to 100, got \"$min_coverage\"" >&2
  exit 2
fi
explicit_policies=()
while IFS= read -r word; do [ -z "$word" ] || explicit_policies+=("$word"); done < <(words "${FLOWPROOF_POLICIES:-}")

mkdir -p "$reports/logs" "$reports/diff"
check_md="$reports/check.md"
diff_md="$reports/diff.md"
diff_json="$reports/diff.json"
details="$(mktemp)"
trap 'rm -f "$details"' EXIT

group() { if [ "${GITHUB_ACTIONS:-}" = true ]; then echo "::group::$*"; else echo "== $*"; fi; }
endgroup() { if [ "${GITHUB_ACTIONS:-}" = true ]; then echo "::endgroup::"; fi; }

cell() {
  case "$1" in
    0) echo "pass" ;;
    1) echo "**exit 1**" ;;
    2) echo "**exit 2** (bad input)" ;;
    3) echo "**exit 3** (infrastructure)" ;;
    *) echo "$1" ;;
  esac
}

# detail <suite> <step> <exit> <log>: the end of a failing step's output, for the summary.
detail() {
  {
    echo "<details><summary><code>$1</code> · $2: exit $3</summary>"
    echo
    echo '~~~text'
    tail -n 60 "$4" | sed 's/~~~/~ ~ ~/g'
    echo '~~~'
    echo '</details>'
    echo
  } >>"$details"
}

worst=0
# step <suite> <log> <name> <args...>: runs flowproof, shows and keeps its output; sets rc.
rc=0
step() {
  local suite="$1" log="$2" name="$3"
  shift 3
  group "flowproof $name $suite"
  set +e
  node "$cli" "$@" 2>&1 | tee "$log"
  rc="$(norm "${PIPESTATUS[0]}")"
  set -e
  endgroup
  if [ "$rc" -gt "$worst" ]; then worst="$rc"; fi
  if [ "$rc" -ne 0 ]; then detail "$suite" "$name" "$rc" "$log"; fi
}

if [ -n "$base_ref" ]; then
  base_name="$(git rev-parse --short "$base_ref^{commit}" 2>/dev/null || echo "$base_ref")"
  echo "## flowproof diff against \`$base_name\`" >"$diff_md"
else
  echo "## flowproof diff" >"$diff_md"
fi
echo >>"$diff_md"

rows=()
diff_args=()
n=0
for suite in "${suites[@]}"; do
  n=$((n + 1))
  id="$n-$(basename "$suite" | sed 's/\.ya\?ml$//; s/[^A-Za-z0-9._-]/_/g')"
  logs="$reports/logs/$id"
  mkdir -p "$logs"

  step "$suite" "$logs/validate.log" validate validate "$suite"
  validate_rc="$rc"
  if [ "$validate_rc" -ne 0 ]; then
    rows+=("| \`$suite\` | $(cell "$validate_rc") | skipped | skipped | skipped | skipped |")
    printf '### `%s`\n\nnot compared: the suite does not validate (see the step summary)\n\n' "$suite" >>"$diff_md"
    diff_args+=("$suite" - -)
    continue
  fi

  step "$suite" "$logs/lint.log" lint lint "$suite"
  lint_rc="$rc"
  step "$suite" "$logs/plan.log" plan plan "$suite"
  plan_rc="$rc"
  if [ -n "$min_coverage" ]; then
    step "$suite" "$logs/coverage.log" "coverage --min $min_coverage" coverage "$suite" --min "$min_coverage"
  else
    step "$suite" "$logs/coverage.log" coverage coverage "$suite"
  fi
  coverage_rc="$rc"

  diff_cell="no base revision"
  if [ -z "$base_ref" ]; then
    diff_args+=("$suite" - -)
  else
    paths=()
    if [ ${#explicit_policies[@]} -gt 0 ]; then
      paths=("${explicit_policies[@]}")
    else
      while IFS= read -r p; do [ -z "$p" ] || paths+=("$p"); done < <(node "$lib" policies "$suite")
    fi
    if [ ${#paths[@]} -eq 0 ]; then
      diff_cell="no policy files"
      printf '### `%s`\n\nnot compared: the suite names no policy file (inline policies are part of neither side; the policies input names others)\n\n' "$suite" >>"$diff_md"
      diff_args+=("$suite" - -)
    else
      json="$reports/diff/$id.json"
      md="$reports/diff/$id.md"
      group "flowproof diff $suite --head ${paths[*]} --base-ref $base_ref"
      set +e
      node "$cli" diff "$suite" --head "${paths[@]}" --base-ref "$base_ref" --json --markdown "$md" --mermaid "$reports/diff/$id.mmd" >"$json" 2>"$logs/diff.log"
      diff_rc="$(norm "$?")"
      set -e
      cat "$logs/diff.log"
      if [ "$diff_rc" -le 1 ]; then node "$lib" diff-line "$json"; else rm -f "$json"; fi
      endgroup
      if [ "$diff_rc" -gt "$worst" ]; then worst="$diff_rc"; fi
      if [ "$diff_rc" -gt 1 ]; then detail "$suite" diff "$diff_rc" "$logs/diff.log"; fi
      diff_cell="$(cell "$diff_rc")"
      {
        printf '### `%s`\n\n' "$suite"
        printf 'policies: %s\n\n' "$(printf '`%s` ' "${paths[@]}" | sed 's/ $//')"
        if [ "$diff_rc" -le 1 ] && [ -s "$md" ]; then
          # flowproof's own markdown view, its headings one level below the suite's.
          awk '/^(```|~~~)/ { fence = !fence } !fence && /^#{1,5} / { $0 = "#" $0 } { print }' "$md"
          echo
        elif [ "$diff_rc" -le 1 ]; then
          node "$lib" diff-line "$json"
          echo
        else
          echo "not compared: flowproof diff exited $diff_rc (see the step summary)"
          echo
        fi
      } >>"$diff_md"
      if [ "$diff_rc" -le 1 ]; then diff_args+=("$suite" "$diff_rc" "$json"); else diff_args+=("$suite" "$diff_rc" -); fi
    fi
  fi
  rows+=("| \`$suite\` | $(cell "$validate_rc") | $(cell "$lint_rc") | $(cell "$plan_rc") | $(cell "$coverage_rc") | $diff_cell |")
done

FLOWPROOF_BASE_REF="$base_ref" node "$lib" diff-json "$diff_json" "${diff_args[@]}"

case "$worst" in
  0) meaning="every check passed" ;;
  1) meaning="violations: a declared flow's prediction contradicts it or flips, a lint error, or coverage below the minimum" ;;
  2) meaning="bad input: a suite, policy or flag" ;;
  *) meaning="infrastructure error" ;;
esac
{
  echo "## flowproof check: exit $worst ($meaning)"
  echo
  echo "| suite | validate | lint | plan | coverage${min_coverage:+ (min $min_coverage%)} | diff |"
  echo "|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  cat "$details"
  cat "$diff_md"
} >"$check_md"

output markdown "$check_md"
output comment "$diff_md"
output diff-json "$diff_json"
output reports "$reports"
echo "flowproof check: exit $worst ($meaning); summary in $check_md, diff in $diff_md"
exit "$worst"
