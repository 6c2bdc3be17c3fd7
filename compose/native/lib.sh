# shellcheck shell=bash disable=SC2034
# lib.sh - shared by compose/native/start.sh and stop.sh (sourced, not run).
#
# Targets (one real single-node Slurm each, loopback only, distinct ports):
#   forky  : debootstrap chroot of Debian forky  -> Slurm 26.05.x (auth/slurm + auth/jwt)
#   trixie : debootstrap chroot of Debian trixie -> Slurm 24.11.x (auth/slurm + auth/jwt)
#   host   : this Debian 12 machine's own packages -> Slurm 22.05.x (munge + auth/jwt)
#
# Paths are kept as "inside" paths (what the daemons see) and "host-side" paths (hp PATH):
# inside a chroot the daemons use the standard Debian locations; on the host everything lives
# under $DIR so that /etc/slurm and friends of the machine are never touched.

BASE=${MOCKRESTD_REAL_DIR:-/var/tmp/mockrestd-real}
# absolute and without symlinks: a chroot's processes are recognised by /proc/PID/root == $ROOT
BASE=$(realpath -m "$BASE")
MIRROR=${MOCKRESTD_DEBIAN_MIRROR:-http://deb.debian.org/debian}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
PLAIN_USER=mockci                      # an ordinary (non-root) user that can submit jobs
REST_USER=slurmrest                    # slurmrestd refuses to run as root or as SlurmUser
TOKEN_LIFESPAN=${MOCKRESTD_REAL_TOKEN_LIFESPAN:-86400}
READY_TIMEOUT=${MOCKRESTD_REAL_READY_TIMEOUT:-90}
TPATH=/usr/sbin:/usr/bin:/sbin:/bin

T0=$(date +%s.%N)
log() { printf '[mockrestd-real %s +%5.1fs] %s\n' "${TARGET:-?}" \
          "$(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN{print b-a}')" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# target_setup TARGET: sets every per-target variable.
target_setup() {
  TARGET=$1
  case $TARGET in
    # ports: REST = x820/x830/x840; slurmctld, slurmd, slurmdbd just below, MariaDB just above.
    forky)  CHROOT=1; SUITE=forky;  REST_PORT=7820 ;;
    trixie) CHROOT=1; SUITE=trixie; REST_PORT=7830 ;;
    host)   CHROOT=0; SUITE=;       REST_PORT=7840 ;;
    *) echo "usage: $0 forky|trixie|host ..." >&2; exit 2 ;;
  esac
  CTLD_PORT=$((REST_PORT - 3)); SLURMD_PORT=$((REST_PORT - 2)); DBD_PORT=$((REST_PORT - 1)); DB_PORT=$((REST_PORT + 1))
  DIR=$BASE/$TARGET
  CACHE=$BASE/.cache/$TARGET
  NODE=${TARGET}1
  CLUSTER=mockrestd-$TARGET
  if [ "$CHROOT" = 1 ]; then
    ROOT=$DIR
    ETC=/etc/slurm; STATE=/var/spool/slurmctld; SPOOL=/var/spool/slurmd; LOGD=/var/log/slurm; RUN=/run
    DBDATA=/var/lib/mysql; DBRUN=/run/mysqld
  else
    ROOT=
    ETC=$DIR/etc; STATE=$DIR/state; SPOOL=$DIR/spool; LOGD=$DIR/log; RUN=$DIR/run
    DBDATA=$DIR/mysql; DBRUN=$DIR/mysql-run
  fi
  SLURM_CONF_IN=$ETC/slurm.conf
  ENV_FILE=$DIR/env
  MARKER=$DIR/.mockrestd-real
}

hp() { printf '%s%s' "$ROOT" "$1"; }   # host-side path of an inside path

# tx CMD...: run a command in the target with a clean environment (host SLURM_* cannot leak in).
tx() {
  if [ "$CHROOT" = 1 ]; then
    env -i PATH="$TPATH" LANG=C.UTF-8 HOME=/root SLURM_CONF="$SLURM_CONF_IN" chroot "$ROOT" "$@"
  else
    env -i PATH="$TPATH" LANG=C.UTF-8 HOME=/root SLURM_CONF="$SLURM_CONF_IN" "$@"
  fi
}
# txu USER CMD...: same, as USER
txu() {
  local u=$1; shift
  if [ "$CHROOT" = 1 ]; then
    env -i PATH="$TPATH" LANG=C.UTF-8 HOME=/ SLURM_CONF="$SLURM_CONF_IN" chroot --userspec="$u:$u" "$ROOT" "$@"
  else
    env -i PATH="$TPATH" LANG=C.UTF-8 HOME=/ SLURM_CONF="$SLURM_CONF_IN" runuser -u "$u" -- "$@"
  fi
}

is_mounted() { awk -v m="$1" '$2==m{f=1} END{exit !f}' /proc/mounts; }
# alive PID: exists and is not a zombie (reaping can lag ~2 s without a real init)
alive() { [ -n "${1:-}" ] && [ -d "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
# ours PID [EXE]: alive and belongs to this target. Chroot: its root directory is the chroot.
# Host: its executable is EXE (resolved: /usr/sbin/slurmctld is an alternatives symlink).
ours() {
  alive "${1:-}" || return 1
  if [ "$CHROOT" = 1 ]; then
    [ "$(readlink "/proc/$1/root" 2>/dev/null)" = "$ROOT" ]
  else
    [ -n "${2:-}" ] && [ "$(readlink "/proc/$1/exe" 2>/dev/null)" = "$(readlink -f "$2")" ]
  fi
}
pid_in() { local f; f=$(hp "$1"); if [ -s "$f" ]; then tr -dc '0-9' < "$f"; fi; }   # pid from an inside pid-file path
listener_pid() { ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2; }

# daemon NAME -> "pidfile-inside-path executable"
daemon_info() {
  case $1 in
    slurmctld)  echo "$RUN/slurmctld.pid /usr/sbin/slurmctld" ;;
    slurmd)     echo "$RUN/slurmd.pid /usr/sbin/slurmd" ;;
    slurmrestd) echo "$RUN/slurmrestd.pid /usr/sbin/slurmrestd" ;;
    slurmdbd)   echo "$RUN/slurmdbd.pid /usr/sbin/slurmdbd" ;;
    mariadbd)   echo "$DBRUN/mysqld.pid /usr/sbin/mariadbd" ;;
    munged)     echo "$DIR/munge-run/munged.pid /usr/sbin/munged" ;;
  esac
}
daemon_pid() { # NAME -> pid if running and ours
  local f e p
  read -r f e <<<"$(daemon_info "$1")"
  p=$(pid_in "$f")
  ours "$p" "$e" && echo "$p"
}

# token USER: mint a JWT with the target's scontrol (scontrol uses $SLURM_JWT if set: never set here)
token() { tx scontrol token username="$1" lifespan="$TOKEN_LIFESPAN" 2>/dev/null | sed -n 's/^SLURM_JWT=//p'; }

# rest USER TOKEN PATH: GET on slurmrestd, body on stdout, fails unless 2xx
rest() {
  curl -sf -m 20 -H "X-SLURM-USER-NAME: $1" -H "X-SLURM-USER-TOKEN: $2" "http://127.0.0.1:$REST_PORT$3"
}
# rest_any USER TOKEN PATH: same, whatever the status (22.05's /slurmdb/v0.0.36/diag answers 500)
rest_any() {
  curl -s -m 20 -H "X-SLURM-USER-NAME: $1" -H "X-SLURM-USER-TOKEN: $2" "http://127.0.0.1:$REST_PORT$3"
}
