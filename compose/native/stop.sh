#!/usr/bin/env bash
# stop.sh - stop the cluster started by start.sh. Idempotent.
#
#   compose/native/stop.sh forky|trixie|host [--purge]
#
# Signals only processes of this target, each by PID: for a chroot target every process whose
# /proc/PID/root is the chroot; for host, the PIDs of our pid files checked against their
# executable, plus slurmstepd processes listening in our SlurmdSpoolDir. Then unmounts the
# chroot's /proc, /sys and /run. --purge also deletes the chroot (host: the state directory);
# the package caches under $MOCKRESTD_REAL_DIR/.cache are kept so that the next start is fast.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

[ $# -ge 1 ] || { echo "usage: $0 forky|trixie|host [--purge]" >&2; exit 2; }
PURGE=0
target=$1; shift
for a in "$@"; do
  case $a in
    --purge) PURGE=1 ;;
    *) echo "usage: $0 forky|trixie|host [--purge]" >&2; exit 2 ;;
  esac
done
target_setup "$target"
[ "$(id -u)" = 0 ] || die "must run as root"
[ -d "$DIR" ] || { log "nothing at $DIR"; exit 0; }
[ -e "$MARKER" ] || die "$DIR was not made by start.sh (no $MARKER): not touching it"
mkdir -p "$BASE"
exec 9>"$BASE/.$TARGET.lock"
# a timeout only: a daemon started by an older script might still hold the lock
flock -w 30 9 || log "lock busy, continuing anyway"

stop_pid() { # NAME PID
  log "TERM $1 ($2)"
  kill -TERM "$2" 2>/dev/null || return 0
  for _ in $(seq 1 120); do alive "$2" || return 0; sleep 0.25; done
  log "KILL $1 ($2): still alive after 30 s"
  kill -KILL "$2" 2>/dev/null || true
}

# 1. jobs first (host: so that no slurmstepd is left behind; a chroot's are killed in step 3 anyway)
if [ "$CHROOT" = 0 ] && daemon_pid slurmctld >/dev/null; then
  jobs=$(timeout 10 env -i PATH="$TPATH" SLURM_CONF="$SLURM_CONF_IN" squeue -h -o %A 2>/dev/null | sort -u | paste -sd' ' - || true)
  if [ -n "$jobs" ]; then
    log "cancelling jobs: $jobs"
    # shellcheck disable=SC2086
    timeout 20 env -i PATH="$TPATH" SLURM_CONF="$SLURM_CONF_IN" scancel $jobs 2>/dev/null || true
    for _ in $(seq 1 50); do
      [ -z "$(timeout 5 env -i PATH="$TPATH" SLURM_CONF="$SLURM_CONF_IN" squeue -h -t R,CG,S 2>/dev/null || true)" ] && break
      sleep 0.2
    done
  fi
fi

# 2. the daemons: REST front first, munged last (the others need it to shut down cleanly)
for d in slurmrestd slurmd slurmctld slurmdbd mariadbd munged; do
  if p=$(daemon_pid "$d"); then stop_pid "$d" "$p"; fi
done

# 3. leftovers (slurmscriptd, slurmstepd, job processes)
if [ "$CHROOT" = 1 ]; then
  for sig in TERM KILL; do
    left=
    for pd in /proc/[0-9]*; do p=${pd#/proc/}; if ours "$p"; then left="$left $p"; fi; done
    [ -z "$left" ] && break
    log "$sig leftover processes in the chroot:$left"
    for p in $left; do kill -"$sig" "$p" 2>/dev/null || true; done
    sleep 2
  done
else
  stepd=$(readlink -f /usr/sbin/slurmstepd 2>/dev/null || true)
  for p in $(ss -Hxlp 2>/dev/null | grep -F "$SPOOL/" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do
    if [ -n "$stepd" ] && [ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$stepd" ]; then stop_pid slurmstepd "$p"; fi
  done
fi
rm -f "$(hp "$RUN")"/*.pid 2>/dev/null || true

# 4. unmount (chroot), reverse order of start.sh; a lazy unmount when busy
if [ "$CHROOT" = 1 ]; then
  for m in var/lib/apt/lists var/cache/apt/archives run sys proc; do
    if is_mounted "$ROOT/$m"; then umount "$ROOT/$m" 2>/dev/null || { log "lazy umount $ROOT/$m"; umount -l "$ROOT/$m"; }; fi
  done
  left=$(awk -v r="$ROOT/" 'index($2, r)==1 {print $2}' /proc/mounts)
  [ -z "$left" ] || die "still mounted under $ROOT: $left"
fi
log "stopped"

if [ "$PURGE" = 1 ]; then
  rm -rf --one-file-system "$DIR" "$DIR.partial"
  log "purged $DIR (package caches kept in $CACHE)"
fi
