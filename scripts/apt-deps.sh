#!/usr/bin/env bash
# Installs the Debian packages flowproof needs, only those missing. Services the packages
# ship (postgresql, redis-server) are kept from starting: flowproof runs its own servers
# inside the network namespaces it creates.
set -euo pipefail

missing=()
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "flowproof needs these Debian packages: ${missing[*]}" >&2
  echo "run as root (sudo make ...) or install them: apt-get install ${missing[*]}" >&2
  exit 3
fi

echo "installing Debian packages: ${missing[*]}"
created_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && created_policy=1
fi
trap '[ $created_policy -eq 1 ] && rm -f /usr/sbin/policy-rc.d' EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
echo "installed: ${missing[*]}"
