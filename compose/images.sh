#!/bin/bash
# images.sh [forky|trixie] - build the images of compose/docker-compose.yml, with Docker or podman, with or
# without a container registry. Prints the variables compose needs (stdout; progress on stderr):
#   DEBIAN_IMAGE=...  SLURM_SUITE=...  MOCKRESTD_PROFILE=...
#
# Base image: the published debian:<suite>-slim when a registry answers; otherwise (or with
# MOCKRESTD_IMAGES_SOURCE=debootstrap) `debootstrap --variant=minbase <suite>` into a folder, imported as
# localhost/debian:<suite> (the rootfs tarball is cached, so a second import takes seconds).
# Each service image is labelled with a hash of what it is built from (Dockerfile, config, entrypoint,
# base image id, and for mockrestd the package sources): an image whose label matches is not rebuilt.
#
# Engine: MOCKRESTD_ENGINE=docker|podman, else docker when `docker info` answers, else podman (as root,
# with compose/podman/containers.conf unless CONTAINERS_CONF is set). Heavy steps run under nice -n 10.
set -euo pipefail

SUITE=${1:-${SLURM_SUITE:-forky}}
case $SUITE in
  forky)  PROFILE=26.05 ;;   # Slurm 26.05.x, REST v0.0.42-v0.0.45
  trixie) PROFILE=24.11 ;;   # Slurm 24.11.x, REST v0.0.40-v0.0.42
  *) echo "usage: $0 [forky|trixie]" >&2; exit 2 ;;
esac
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
CACHE=${MOCKRESTD_REAL_DIR:-/var/tmp/mockrestd-real}/.cache/containers
MIRROR=${MOCKRESTD_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SOURCE=${MOCKRESTD_IMAGES_SOURCE:-auto}    # auto | registry | debootstrap
NICE=(nice -n 10)
BUILD_CA=${MOCKRESTD_BUILD_CA:-/etc/ssl/certs/ca-certificates.crt}
T0=$(date +%s)
log() { echo "[images $SUITE +$(( $(date +%s) - T0 ))s] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

ENGINE=${MOCKRESTD_ENGINE:-}
if [ -z "$ENGINE" ]; then
  if command -v docker >/dev/null && timeout 10 docker info >/dev/null 2>&1; then ENGINE=docker
  elif command -v podman >/dev/null; then ENGINE=podman
  else die "neither a Docker engine nor podman found (apt-get install podman)"; fi
fi
if [ "$ENGINE" = podman ]; then export CONTAINERS_CONF=${CONTAINERS_CONF:-$HERE/podman/containers.conf}; fi

image_label() { "$ENGINE" image inspect --format '{{ index .Config.Labels "org.mockrestd.hash" }}' "$1" 2>/dev/null || true; }
image_id() { "$ENGINE" image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; }

registry_answers() {
  # Docker Hub answers 401 to an anonymous /v2/ when it is reachable
  local code
  code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' https://registry-1.docker.io/v2/ 2>/dev/null || true)
  [ "$code" = 401 ] || [ "$code" = 200 ]
}

debootstrap_base() {
  local image=localhost/debian:$SUITE tar=$CACHE/debian-$SUITE.tar
  if [ -n "$(image_id "$image")" ] && [ "${MOCKRESTD_IMAGES_REFRESH:-0}" != 1 ]; then
    log "base $image present"; return
  fi
  mkdir -p "$CACHE/debootstrap-$SUITE"
  if [ ! -s "$tar" ] || [ "${MOCKRESTD_IMAGES_REFRESH:-0}" = 1 ]; then
    command -v debootstrap >/dev/null || die "debootstrap missing (apt-get install debootstrap)"
    local script=/usr/share/debootstrap/scripts/$SUITE dir
    [ -e "$script" ] || script=/usr/share/debootstrap/scripts/sid   # bookworm's debootstrap has no forky script
    dir=$(mktemp -d "$CACHE/rootfs-$SUITE.XXXXXX")
    log "debootstrap --variant=minbase $SUITE (debs cached in $CACHE/debootstrap-$SUITE)"
    "${NICE[@]}" debootstrap --variant=minbase --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
        --cache-dir="$CACHE/debootstrap-$SUITE" "$SUITE" "$dir" "$MIRROR" "$script" > "$CACHE/debootstrap-$SUITE.log" 2>&1 \
      || { tail -20 "$CACHE/debootstrap-$SUITE.log" >&2; rm -rf "$dir"; die "debootstrap failed"; }
    # the mirror may be a frozen snapshot whose Valid-Until has passed; keep images small like -slim
    echo 'Acquire::Check-Valid-Until "false";' > "$dir/etc/apt/apt.conf.d/99mockrestd-no-valid-until"
    printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' > "$dir/etc/apt/apt.conf.d/99mockrestd-no-recommends"
    rm -rf "${dir:?}"/var/cache/apt/archives/*.deb "${dir:?}"/var/lib/apt/lists/* "${dir:?}"/dev/*
    "${NICE[@]}" tar -C "$dir" -cf "$tar.tmp" . && mv "$tar.tmp" "$tar"
    rm -rf "$dir"
    log "rootfs tarball $tar ($(du -m "$tar" | cut -f1) MB)"
  fi
  log "importing $tar as $image"
  "${NICE[@]}" "$ENGINE" import --change 'CMD ["/bin/bash"]' "$tar" "$image" >"$CACHE/import-$SUITE.log" 2>&1 \
    || { cat "$CACHE/import-$SUITE.log" >&2; die "import failed"; }
}

if [ -n "${DEBIAN_IMAGE:-}" ]; then
  BASE=$DEBIAN_IMAGE; log "base image $BASE (DEBIAN_IMAGE)"
  [ -n "$(image_id "$BASE")" ] || "$ENGINE" pull -q "$BASE" >/dev/null
elif [ "$SOURCE" != debootstrap ] && { [ "$SOURCE" = registry ] || registry_answers; }; then
  BASE=docker.io/library/debian:$SUITE-slim
  log "registry answers: pulling $BASE"
  "$ENGINE" pull -q "$BASE" >/dev/null || die "pull of $BASE failed (MOCKRESTD_IMAGES_SOURCE=debootstrap builds without a registry)"
else
  log "no registry: base image from debootstrap"
  debootstrap_base
  BASE=localhost/debian:$SUITE
fi
BASE_ID=$(image_id "$BASE")

# build NAME DOCKERFILE CONTEXT TARGET HASH-INPUTS...
build() {
  local name=$1 dockerfile=$2 context=$3 target=$4; shift 4
  local hash
  hash=$( { echo "$BASE_ID $SUITE $target"; cat "$dockerfile"; find "$@" -type f -not -path '*/__pycache__/*' -print0 \
            | sort -z | xargs -0 sha256sum | sed "s|  $REPO/|  |"; } | sha256sum | cut -c1-16)
  if [ "$(image_label "$name")" = "$hash" ]; then log "$name up to date ($hash)"; return; fi
  log "building $name ($hash)"
  BUILT=1
  local args=(build --network host -f "$dockerfile" --build-arg "DEBIAN_IMAGE=$BASE" --label "org.mockrestd.hash=$hash" -t "$name")
  [ -n "$target" ] && args+=(--target "$target")
  # a TLS-intercepting proxy (as on the CI machines) needs the host's CA bundle for pip inside the build:
  # podman can bind it into RUN steps (Docker cannot; there a plain network is assumed)
  if [ "$ENGINE" = podman ] && [ -s "$BUILD_CA" ]; then args+=(-v "$BUILD_CA:/run/mockrestd-build-ca.crt:ro"); fi
  "${NICE[@]}" "$ENGINE" "${args[@]}" "$context" > "$CACHE/build-${name//[\/:]/_}.log" 2>&1 \
    || { tail -30 "$CACHE/build-${name//[\/:]/_}.log" >&2; die "build of $name failed (log: $CACHE/build-${name//[\/:]/_}.log)"; }
}

mkdir -p "$CACHE"
BUILT=0
D=$HERE/docker
for t in slurmctld slurmd slurmrestd slurmdbd mariadb; do
  build "mockrestd/slurm-$t:$SUITE" "$D/slurm.Dockerfile" "$D" "$t" \
        "$D/slurm.conf" "$D/cgroup.conf" "$D/slurmdbd.conf" "$D/entrypoint.sh"
done
build "mockrestd/mockrestd:$SUITE" "$D/mockrestd.Dockerfile" "$REPO" "" \
      "$REPO/pyproject.toml" "$REPO/README.md" "$REPO/mockrestd" "$REPO/contract_tests" "$D/entrypoint.sh" \
      "$D/mockrestd.Dockerfile.dockerignore"
# images of ours that a rebuild left untagged (layers still used by the new ones stay)
if [ "$BUILT" = 1 ]; then "$ENGINE" image prune -f --filter label=org.mockrestd.hash >/dev/null 2>&1 || true; fi
log "images ready"
echo "DEBIAN_IMAGE=$BASE"
echo "SLURM_SUITE=$SUITE"
echo "MOCKRESTD_PROFILE=$PROFILE"
