# shellcheck shell=bash
# Sourced by scripts/action-check.sh and scripts/action-run.sh (the GitHub Action's modes).

# words <text>: the space/newline separated words of an input, one a line, never globbed.
words() {
  local -a out=()
  read -r -d '' -a out <<<"$1" || true
  if [ ${#out[@]} -gt 0 ]; then printf '%s\n' "${out[@]}"; fi
}

# read_suites <text>: fills the array suites from an input; a word with * ? [ is a glob (it
# must match a file). Exits 2 when no suite is named or a glob matches nothing.
read_suites() {
  local word
  local -a matches
  suites=()
  shopt -s nullglob
  while IFS= read -r word; do
    if [[ $word == *[*?[]* ]]; then
      # shellcheck disable=SC2206 # a glob the workflow wrote, expanded on purpose
      matches=($word)
      if [ ${#matches[@]} -eq 0 ]; then
        echo "flowproof: no suite file matches $word" >&2
        exit 2
      fi
      suites+=("${matches[@]}")
    else
      suites+=("$word")
    fi
  done < <(words "$1")
  shopt -u nullglob
  if [ ${#suites[@]} -eq 0 ]; then
    echo "flowproof: no suite given (FLOWPROOF_SUITES, the action's suites input)" >&2
    exit 2
  fi
}

# norm <exit code>: 0-3 as they are; anything else (a crash, a signal) is an infrastructure error.
norm() { case "$1" in 0 | 1 | 2 | 3) echo "$1" ;; *) echo 3 ;; esac; }

# output <name> <value...>: a step output when $GITHUB_OUTPUT is set (each value a line).
output() {
  local name="$1"
  shift
  [ -n "${GITHUB_OUTPUT:-}" ] || return 0
  if [ $# -le 1 ]; then
    echo "$name=${1:-}" >>"$GITHUB_OUTPUT"
  else
    local delim="flowproof_${RANDOM}${RANDOM}${RANDOM}"
    { echo "$name<<$delim"; printf '%s\n' "$@"; echo "$delim"; } >>"$GITHUB_OUTPUT"
  fi
}
