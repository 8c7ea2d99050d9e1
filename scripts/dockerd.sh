#!/usr/bin/env bash
# scripts/dockerd.sh start|stop|status — a Docker daemon for flowproof's own tests.
#
# start: makes sure a Docker daemon answers. One that already runs and is not flowproof's
#   (the user's) is left exactly as it is, and `stop` never touches it. Otherwise it starts
#   Debian's dockerd (package docker.io) in the background, detached, with
#     - no default bridge and no iptables rules or ip_forward change on this machine
#       (--bridge=none --iptables=false --ip-forward=false --ip-masq=false),
#     - default address pools in TEST-NET ranges only: those of 192.0.2.0/24,
#       198.51.100.0/24 and 203.0.113.0/24 that no route, address, /etc/hosts entry or
#       package mirror address of this machine already uses (a machine may live in one of
#       them), cut into /28s,
#     - its own exec root (/run/flowproof-docker) and data root (/var/lib/flowproof-docker:
#       images built by the tests are kept there between runs),
#     - its log in /var/log/flowproof-dockerd.log,
#   and waits until it answers on /var/run/docker.sock. Its pid file marks it flowproof's.
# stop: only a daemon flowproof started (pid file): removes its containers and networks,
#   stops dockerd (which stops its own containerd), and waits until both are gone.
# start PID / stop PID: the same for a test run (process PID) sharing flowproof's daemon
#   with others on this machine: start registers PID, stop unregisters it and stops the
#   daemon only when no registered process is alive any more. `stop` alone stops it when
#   none is (a run that died without its own stop counts as gone).
# status: prints which daemon answers, if any.
# Exit 3 (infrastructure) when dockerd is missing, cannot start, or does not stop.
set -uo pipefail

state=/run/flowproof-docker
data="${FLOWPROOF_DOCKER_DATA:-/var/lib/flowproof-docker}"
pidfile="$state/dockerd.pid"
users="$state/users"
log=/var/log/flowproof-dockerd.log
sock=/var/run/docker.sock

say() { echo "dockerd.sh: $*" >&2; }

# A live dockerd whose pid is in our pid file.
ours_pid() {
  [ -f "$pidfile" ] || return 1
  local pid
  pid="$(cat "$pidfile" 2>/dev/null)"
  [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] && [ "$(cat "/proc/$pid/comm")" = dockerd ] || return 1
  echo "$pid"
}

# Does a daemon answer, on DOCKER_HOST when set, else on the default socket?
answers() { timeout 5 docker "$@" info --format '{{.ServerVersion}}' >/dev/null 2>&1; }

# Addresses of the package mirrors this machine uses (apt sources, the npm registry): a
# machine may reach them at TEST-NET addresses, which a Docker network must not shadow.
mirror_addresses() {
  local hosts h
  hosts="$( { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -Eo '^[[:space:]]*(deb(-src)?|URIs:)[^#]*' ; command -v npm >/dev/null 2>&1 && timeout 5 npm config get registry 2>/dev/null; } | grep -Eo '[a-z]+://[^/[:space:]]+' | sed -E 's#^[a-z]+://##; s#:[0-9]+$##' | sort -u)"
  for h in $hosts; do timeout 5 getent ahostsv4 "$h" 2>/dev/null | awk '{print $1}'; done | sort -u
}

# TEST-NET /24s that nothing on this machine uses yet (routes of docker's own bridges aside).
testnet_pools() {
  local used prefix
  used="$( { ip -4 route show table all 2>/dev/null | grep -Ev 'dev (br-[0-9a-f]+|docker0)( |$)'; ip -4 -o addr show 2>/dev/null | grep -Ev ' (br-[0-9a-f]+|docker0) '; grep -Ev '^\s*#' /etc/hosts 2>/dev/null; mirror_addresses; } )"
  for prefix in 192.0.2. 198.51.100. 203.0.113.; do
    if ! grep -qF "$prefix" <<< "$used"; then echo "${prefix}0/24"; fi
  done
}

# Registered test runs (pids) that are still alive; the dead ones are forgotten.
live_users() {
  local f
  for f in "$users"/*; do
    [ -e "$f" ] || continue
    if kill -0 "${f##*/}" 2>/dev/null; then echo "${f##*/}"; else rm -f "$f"; fi
  done
}

register() {
  [ -n "${1:-}" ] || return 0
  mkdir -p "$users" && : >"$users/$1"
}

start() {
  local user="${1:-}"
  if pid="$(ours_pid)"; then
    if answers -H "unix://$sock"; then register "$user"; say "flowproof's dockerd already runs (pid $pid)"; echo "running-ours"; return 0; fi
  fi
  if answers; then
    say "a Docker daemon already answers (not flowproof's): using it, leaving it alone"
    echo "running-other"
    return 0
  fi
  if ! command -v dockerd >/dev/null 2>&1; then say "dockerd not found (apt-get install docker.io)"; return 3; fi
  if [ "$(id -u)" -ne 0 ]; then say "starting dockerd needs root"; return 3; fi
  local pools=() p
  for p in $(testnet_pools); do pools+=(--default-address-pool "base=$p,size=28"); done
  if [ ${#pools[@]} -eq 0 ]; then
    say "every TEST-NET range (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24) is in use on this machine: no address pool for Docker's networks"
    return 3
  fi
  mkdir -p "$state" "$data" "$(dirname "$log")"
  rm -f "$pidfile"
  say "starting dockerd (pools: $(testnet_pools | tr '\n' ' '), data $data, log $log)"
  # setsid + all descriptors redirected: the daemon outlives this script and holds none of
  # its caller's pipes.
  setsid dockerd \
    --host "unix://$sock" \
    --pidfile "$pidfile" \
    --exec-root "$state/exec" \
    --data-root "$data" \
    --bridge=none --iptables=false --ip-forward=false --ip-masq=false \
    "${pools[@]}" \
    --log-level warn \
    </dev/null >>"$log" 2>&1 9>&- &
  local child=$! i
  for i in $(seq 1 120); do
    if ! kill -0 "$child" 2>/dev/null; then
      say "dockerd exited while starting; last lines of $log:"
      tail -n 5 "$log" >&2
      return 3
    fi
    if answers -H "unix://$sock"; then register "$user"; say "dockerd answers (pid $child)"; echo "started"; return 0; fi
    sleep 0.5
  done
  say "dockerd did not answer within 60 s; stopping it (log: $log)"
  halt >/dev/null
  return 3
}

# Waits until process $1 is gone, up to $2 tenths of a second.
gone_within() {
  local i
  for i in $(seq 1 "$2"); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.1
  done
  ! kill -0 "$1" 2>/dev/null
}

stop() {
  [ -n "${1:-}" ] && rm -f "$users/$1"
  local others
  others="$(live_users | tr '\n' ' ')"
  if [ -n "$others" ] && ours_pid >/dev/null; then
    say "flowproof's dockerd is still used by test run(s) $others: left running for them"
    echo "in-use"
    return 0
  fi
  halt
}

# Stops flowproof's daemon (never another one) and everything it runs.
halt() {
  local pid
  if ! pid="$(ours_pid)"; then
    rm -f "$pidfile"
    rm -rf "$users"
    echo "not-ours"
    return 0
  fi
  # Its managed containerd, to check that it goes too.
  local cpid=""
  [ -f "$state/exec/containerd/containerd.pid" ] && cpid="$(cat "$state/exec/containerd/containerd.pid" 2>/dev/null)"
  local ids
  ids="$(timeout 20 docker -H "unix://$sock" ps -aq 2>/dev/null)"
  if [ -n "$ids" ]; then
    # shellcheck disable=SC2086
    timeout 60 docker -H "unix://$sock" rm -f $ids >/dev/null 2>&1
  fi
  timeout 20 docker -H "unix://$sock" network prune -f >/dev/null 2>&1
  kill -TERM "$pid" 2>/dev/null
  if ! gone_within "$pid" 300; then
    say "dockerd (pid $pid) did not stop within 30 s: killing it"
    kill -KILL "$pid" 2>/dev/null
    gone_within "$pid" 50 || { say "dockerd (pid $pid) survives SIGKILL"; return 3; }
  fi
  if [ -n "$cpid" ] && [ -r "/proc/$cpid/comm" ] && [ "$(cat "/proc/$cpid/comm")" = containerd ]; then
    kill -TERM "$cpid" 2>/dev/null
    gone_within "$cpid" 100 || kill -KILL "$cpid" 2>/dev/null
  fi
  # dockerd bind-mounts this machine's network namespace there and leaves the mount behind.
  if mountpoint -q "$state/exec/netns/default" 2>/dev/null; then umount "$state/exec/netns/default" 2>/dev/null; fi
  rm -f "$pidfile"
  rm -rf "$users"
  say "dockerd stopped"
  echo "stopped"
}

status() {
  local pid
  if pid="$(ours_pid)"; then echo "running-ours $pid"; return 0; fi
  if answers; then echo "running-other"; return 0; fi
  echo "not-running"
}

case "${2:-}" in
  '' | *[!0-9]*) [ -z "${2:-}" ] || { echo "dockerd.sh: the second argument is a process id, got \"$2\"" >&2; exit 2; } ;;
esac
# One start or stop at a time on this machine (concurrent test runs share the daemon).
lock() {
  mkdir -p "$state" && exec 9>"$state.lock" && flock -w 180 9 || { say "could not take $state.lock"; exit 3; }
}

case "${1:-}" in
  start) lock; start "${2:-}" ;;
  stop) lock; stop "${2:-}" ;;
  status) status ;;
  pools) testnet_pools ;;
  *) echo "usage: scripts/dockerd.sh start|stop [PID] | status | pools" >&2; exit 2 ;;
esac
