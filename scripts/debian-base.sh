#!/usr/bin/env bash
# scripts/debian-base.sh [image] — makes the Debian base image the local images build FROM
# (clusters/versions.yaml localImages.base, e.g. debian:bookworm-slim) on a machine that
# cannot pull it: `debootstrap --variant=minbase` from the Debian mirror this machine's apt
# already uses, apt caches and lists removed, then `docker import`. Where a registry is
# reachable (GitHub runners), `docker build` pulls the real image and this is not needed.
# Skips when the image is already present. Exit 3 naming the step on failure.
set -uo pipefail

image="${1:-debian:bookworm-slim}"
suite="${image##*:}"          # bookworm-slim -> bookworm
suite="${suite%%-*}"
say() { echo "debian-base.sh: $*" >&2; }

timeout 10 docker info >/dev/null 2>&1 || { say "Docker not available"; exit 3; }
if docker image inspect "$image" >/dev/null 2>&1; then say "$image is present"; exit 0; fi
command -v debootstrap >/dev/null 2>&1 || { say "debootstrap not found (apt-get install debootstrap)"; exit 3; }
[ "$(id -u)" -eq 0 ] || { say "debootstrap needs root"; exit 3; }

# The mirror serving "<suite> main" to this machine's apt, unless DEBIAN_MIRROR is given.
apt_mirror() {
  apt-get indextargets --format '$(SITE) $(RELEASE) $(COMPONENT) $(TARGET_OF)' 2>/dev/null |
    awk -v s="$suite" '$2 == s && $3 == "main" && $4 == "deb" { print $1; exit }'
}
mirror="${DEBIAN_MIRROR:-}"
[ -n "$mirror" ] || mirror="$(apt_mirror)"

dir="$(mktemp -d /var/tmp/flowproof-debian-base.XXXXXX)" || { say "mktemp failed"; exit 3; }
trap 'rm -rf "$dir"' EXIT
logf="$dir.log"
say "debootstrap --variant=minbase $suite ${mirror:-(the default mirror of debootstrap)} (log: $logf)"
# shellcheck disable=SC2086
if ! debootstrap --variant=minbase "$suite" "$dir/rootfs" $mirror >"$logf" 2>&1; then
  say "debootstrap failed; last lines of $logf:"
  tail -n 5 "$logf" >&2
  exit 3
fi
rm -rf "$dir"/rootfs/var/cache/apt/archives/*.deb "$dir"/rootfs/var/lib/apt/lists/* "$dir"/rootfs/var/log/*.log
say "docker import $image"
if ! tar -C "$dir/rootfs" -c . | docker import --change 'CMD ["bash"]' - "$image" >/dev/null; then
  say "docker import of $image failed"
  exit 3
fi
rm -f "$logf"
say "$image built"
