#!/usr/bin/env bash
# start.sh - bring up a REAL single-node Slurm with slurmrestd (JWT) on loopback, without systemd
# or Docker, from Debian's own packages. Idempotent: daemons already running are reused; a fresh
# token is printed every time.
#
#   compose/native/start.sh forky|trixie|host [--with-dbd]
#
#   forky  -> debootstrap chroot of Debian forky,  Slurm 26.05.x, REST on 127.0.0.1:7820
#   trixie -> debootstrap chroot of Debian trixie, Slurm 24.11.x, REST on 127.0.0.1:7830
#   host   -> this Debian 12's packages (apt-get install on the host), 22.05.x, REST on 127.0.0.1:7840
#   --with-dbd adds MariaDB + slurmdbd (so /slurmdb/... works). Switching it on/off restarts daemons.
#
# stdout (and $MOCKRESTD_REAL_DIR/<target>/env, sourceable): KEY=VALUE lines
#   SLURMRESTD_URL SLURM_JWT SLURM_USER SLURM_JWT_KEY_FILE SLURM_RELEASE SLURM_API_VERSIONS SLURM_PLUGINS
#   SLURM_PLAIN_USER SLURM_PLAIN_JWT
# SLURM_JWT is root's token (root may submit jobs and may act for other users); SLURM_PLAIN_JWT is
# the token of an ordinary user (mockci). Progress goes to stderr. Must run as root.
#
# Environment: MOCKRESTD_REAL_DIR (default /var/tmp/mockrestd-real), MOCKRESTD_DEBIAN_MIRROR,
#   MOCKRESTD_REAL_TOKEN_LIFESPAN (86400), MOCKRESTD_REAL_READY_TIMEOUT (90 s).
# SC1003: tr -d '\\' deletes backslashes (22.05 writes "/" as "\/" in JSON)
# shellcheck source-path=SCRIPTDIR disable=SC1003
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

[ $# -ge 1 ] || { echo "usage: $0 forky|trixie|host [--with-dbd]" >&2; exit 2; }
WITH_DBD=0
target=$1; shift
for a in "$@"; do
  case $a in
    --with-dbd) WITH_DBD=1 ;;
    *) echo "usage: $0 forky|trixie|host [--with-dbd]" >&2; exit 2 ;;
  esac
done
target_setup "$target"

[ "$(id -u)" = 0 ] || die "must run as root"
for c in curl ss flock; do command -v "$c" >/dev/null || die "$c is required on the host"; done
mkdir -p "$BASE" "$CACHE"
exec 9>"$BASE/.$TARGET.lock"
flock -w 600 9 || die "another start/stop of $TARGET holds $BASE/.$TARGET.lock"

# ---------------------------------------------------------------- 1. packages
with_apt_cache() { # run "$@" with the chroot's apt archives + lists bind-mounted from $CACHE (kept by --purge)
  local m rc=0
  mkdir -p "$CACHE/archives/partial" "$CACHE/lists/partial"
  for m in var/cache/apt/archives var/lib/apt/lists; do
    mkdir -p "$ROOT/$m"; is_mounted "$ROOT/$m" || mount --bind "$CACHE/${m##*/}" "$ROOT/$m"
  done
  "$@" || rc=$?
  for m in var/cache/apt/archives var/lib/apt/lists; do umount "$ROOT/$m"; done
  rm -f "$ROOT"/var/cache/apt/*.bin   # apt's binary caches (~100 MB), rebuilt when needed
  return $rc
}
apt_in_chroot() { # LOGNAME PACKAGES...
  local logf=$CACHE/$1.log; shift
  if ! { tx apt-get -q update && tx env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"; } > "$logf" 2>&1; then
    tail -30 "$logf" >&2; return 1
  fi
}

mount_chroot() {
  is_mounted "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
  # hwloc reads /sys: read-only, non-recursive bind (no cgroup submounts)
  if ! is_mounted "$ROOT/sys"; then mount --bind /sys "$ROOT/sys"; mount -o remount,bind,ro "$ROOT/sys"; fi
  # a private /run (pid files, sockets), never the host's
  is_mounted "$ROOT/run" || mount -t tmpfs -o mode=755,size=64m tmpfs "$ROOT/run"
}

if [ "$CHROOT" = 1 ]; then
  if [ ! -x "$ROOT/usr/bin/apt-get" ]; then
    command -v debootstrap >/dev/null || { log "installing debootstrap on the host";
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >&2; }
    script=/usr/share/debootstrap/scripts/$SUITE
    [ -e "$script" ] || script=/usr/share/debootstrap/scripts/sid   # bookworm's debootstrap has no forky script
    tmp=$ROOT.partial
    for m in proc sys run; do if is_mounted "$tmp/$m"; then umount "$tmp/$m"; fi; done
    rm -rf --one-file-system "$tmp"
    mkdir -p "$CACHE/debootstrap"
    log "debootstrap --variant=minbase $SUITE (script $(basename "$script"), debs cached in $CACHE/debootstrap)"
    debootstrap --variant=minbase --keyring="$KEYRING" --cache-dir="$CACHE/debootstrap" \
        "$SUITE" "$tmp" "$MIRROR" "$script" > "$CACHE/debootstrap.log" 2>&1 \
      || { tail -20 "$CACHE/debootstrap.log" >&2; die "debootstrap failed"; }
    mv "$tmp" "$ROOT"
    # the .debs are in the cache dir, the lists come from the cache at each apt run: -130 MB
    rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/*
    log "debootstrap done"
  fi
  touch "$MARKER"
  mount_chroot
  if [ ! -e "$ROOT/etc/mockrestd-real.installed" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$ROOT/usr/sbin/policy-rc.d"; chmod 755 "$ROOT/usr/sbin/policy-rc.d"
    # the mirror may be a frozen snapshot whose InRelease Valid-Until has passed
    echo 'Acquire::Check-Valid-Until "false";' > "$ROOT/etc/apt/apt.conf.d/99mockrestd-no-valid-until"
    printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\nAPT::Keep-Downloaded-Packages "true";\nBinary::apt::APT::Keep-Downloaded-Packages "true";\n' \
      > "$ROOT/etc/apt/apt.conf.d/99mockrestd"
    rm -f "$ROOT/etc/apt/apt.conf.d/docker-clean"
    log "apt-get install slurm in the chroot"
    with_apt_cache apt_in_chroot apt slurmctld slurmd slurmrestd slurm-client slurm-wlm-jwt-plugin \
      || die "apt-get install failed (log: $CACHE/apt.log)"
    touch "$ROOT/etc/mockrestd-real.installed"
    # shellcheck disable=SC2016
    log "packages installed: $(tx dpkg-query -W -f='${Version}' slurmctld)"
  fi
  if [ "$WITH_DBD" = 1 ] && [ ! -e "$ROOT/etc/mockrestd-real.installed-dbd" ]; then
    # fixed uid for mysql: the package would take the first free system uid
    tx getent group mysql >/dev/null || tx groupadd -r -g 64103 mysql
    tx getent passwd mysql >/dev/null || tx useradd -r -K UID_MAX=65000 -u 64103 -g mysql -d /nonexistent -s /bin/false mysql
    log "apt-get install slurmdbd mariadb-server in the chroot"
    with_apt_cache apt_in_chroot apt-dbd slurmdbd mariadb-server \
      || die "apt-get install failed (log: $CACHE/apt-dbd.log)"
    touch "$ROOT/etc/mockrestd-real.installed-dbd"
    log "dbd packages installed"
  fi
  # forky's and trixie's libmariadb3 (MariaDB Connector/C 3.4) make slurmdbd (26.05 and 24.11) die at start with
  # "5027 Number of columns in result set exceeds maximum" (_check_mysql_concat_is_sane).
  # bookworm's libmariadb3 (Connector/C 3.3, same soname) works: unpack it aside and use it
  # through LD_LIBRARY_PATH for slurmdbd only.
  if [ "$WITH_DBD" = 1 ] && [ ! -e "$ROOT/opt/libmariadb-compat/libmariadb.so.3" ]; then
    if [ ! -e "$CACHE/libmariadb.so.3" ]; then
      d=$(mktemp -d)
      ( cd "$d" && apt-get download -q -o APT::Sandbox::User=root libmariadb3 && dpkg-deb -x libmariadb3_*.deb x ) > "$CACHE/libmariadb-compat.log" 2>&1 \
        || die "could not fetch bookworm's libmariadb3 with the host's apt (needed by slurmdbd 26.05)"
      cp -L "$d"/x/usr/lib/x86_64-linux-gnu/libmariadb.so.3 "$CACHE/libmariadb.so.3"; rm -rf "$d"
    fi
    mkdir -p "$ROOT/opt/libmariadb-compat"; cp "$CACHE/libmariadb.so.3" "$ROOT/opt/libmariadb-compat/"
  fi
else
  pkgs=(munge slurmctld slurmd slurmrestd slurm-client slurm-wlm-jwt-plugin)
  [ "$WITH_DBD" = 1 ] && pkgs+=(slurmdbd mariadb-server mariadb-client)
  missing=()
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    log "apt-get install on the host: ${missing[*]}"
    added_policy=0
    # keep maintainer scripts from starting the system's daemons
    if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
      chmod 755 /usr/sbin/policy-rc.d; added_policy=1; fi
    rc=0
    { apt-get -q update && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"; } \
      > "$CACHE/apt.log" 2>&1 || rc=$?
    [ "$added_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
    [ "$rc" = 0 ] || { tail -30 "$CACHE/apt.log" >&2; die "apt-get install failed"; }
    # shellcheck disable=SC2016
    log "packages installed: $(dpkg-query -W -f='${Version}' slurmctld)"
  fi
  mkdir -p "$DIR"; touch "$MARKER"
fi

# ---------------------------------------------------------------- 2. users, directories, keys
# fixed ids inside a chroot (its own passwd); on the host the system picks them
ids() { [ "$CHROOT" = 1 ] && echo "$@"; true; }
# shellcheck disable=SC2046
tx getent group "$REST_USER" >/dev/null || tx groupadd -r $(ids -g 64101) "$REST_USER"
# shellcheck disable=SC2046
tx getent passwd "$REST_USER" >/dev/null || tx useradd -r $(ids -u 64101) -g "$REST_USER" -d /nonexistent -M -s /usr/sbin/nologin "$REST_USER"
# shellcheck disable=SC2046
tx getent group "$PLAIN_USER" >/dev/null || tx groupadd $(ids -g 64102) "$PLAIN_USER"
# shellcheck disable=SC2046
tx getent passwd "$PLAIN_USER" >/dev/null || tx useradd $(ids -K UID_MAX=65000 -u 64102) -g "$PLAIN_USER" -m -d "/home/$PLAIN_USER" -s /bin/bash "$PLAIN_USER"
tx getent passwd slurm >/dev/null || die "user slurm missing (comes with the slurm packages)"
mkdir -p "$(hp "$ETC")" "$(hp "$STATE")" "$(hp "$SPOOL")" "$(hp "$LOGD")" "$(hp "$RUN")"
tx chown slurm:slurm "$STATE" "$LOGD"
if [ "$CHROOT" = 0 ]; then tx chown slurm:slurm "$RUN"; fi
jwt_key=$(hp "$ETC/jwt_hs256.key")
[ -s "$jwt_key" ] || head -c 32 /dev/urandom > "$jwt_key"
tx chown slurm:slurm "$ETC/jwt_hs256.key"; chmod 600 "$jwt_key"
if [ "$CHROOT" = 1 ]; then
  # auth/slurm (23.11+): a shared key instead of munge
  [ -s "$(hp "$ETC/slurm.key")" ] || head -c 1024 /dev/urandom > "$(hp "$ETC/slurm.key")"
  tx chown slurm:slurm "$ETC/slurm.key"; chmod 600 "$(hp "$ETC/slurm.key")"
  HOSTN=$(hostname -s)
  printf '127.0.0.1 localhost\n127.0.0.1 %s\n' "$HOSTN" > "$ROOT/etc/hosts"
  CTLD_HOST="$HOSTN(127.0.0.1)"; NODE_HOST=$HOSTN
  AUTH_LINES="AuthType=auth/slurm
CredType=cred/slurm"
  DBD_AUTH="AuthType=auth/slurm"
  ACCT_PASS=
else
  # 22.05 has no auth/slurm: a private munged on its own socket
  MUNGE_SOCK=$DIR/munge-run/munge.socket
  mkdir -p "$DIR/munge" "$DIR/munge-run"
  [ -s "$DIR/munge/munge.key" ] || head -c 1024 /dev/urandom > "$DIR/munge/munge.key"
  chown -R munge:munge "$DIR/munge" "$DIR/munge-run"
  chmod 700 "$DIR/munge"; chmod 400 "$DIR/munge/munge.key"; chmod 755 "$DIR/munge-run"
  CTLD_HOST="localhost(127.0.0.1)"; NODE_HOST=localhost
  AUTH_LINES="AuthType=auth/munge
AuthInfo=socket=$MUNGE_SOCK
CredType=cred/munge"
  DBD_AUTH="AuthType=auth/munge
AuthInfo=socket=$MUNGE_SOCK"
  # slurmctld -> slurmdbd uses AccountingStoragePass as the munge socket, not AuthInfo
  ACCT_PASS="AccountingStoragePass=$MUNGE_SOCK"
fi

# ---------------------------------------------------------------- 3. configuration
if [ "$WITH_DBD" = 1 ]; then
  ACCT_LINES="AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort=$DBD_PORT
$ACCT_PASS
AccountingStorageEnforce=associations,limits,qos
JobAcctGatherType=jobacct_gather/linux"
else
  ACCT_LINES="AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none"
fi
new_conf=$(cat <<EOF
# generated by mockrestd compose/native/start.sh ($TARGET, dbd=$WITH_DBD) - rewritten at every start
ClusterName=$CLUSTER
SlurmctldHost=$CTLD_HOST
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=slurm
SlurmdUser=root
$AUTH_LINES
AuthAltTypes=auth/jwt
AuthAltParameters=jwt_key=$ETC/jwt_hs256.key
CommunicationParameters=NoInAddrAny,NoCtldInAddrAny
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
MailProg=/bin/true
$ACCT_LINES
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
# the node below declares 4 CPUs / 2000 MB whatever the machine has: slurmd reports the configured values
SlurmdParameters=config_overrides
ReturnToService=2
MinJobAge=300
KillWait=5
InactiveLimit=0
Waittime=0
StateSaveLocation=$STATE
SlurmdSpoolDir=$SPOOL
SlurmctldPidFile=$RUN/slurmctld.pid
SlurmdPidFile=$RUN/slurmd.pid
SlurmctldLogFile=$LOGD/slurmctld.log
SlurmdLogFile=$LOGD/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
NodeName=$NODE NodeAddr=127.0.0.1 NodeHostname=$NODE_HOST CPUs=4 RealMemory=2000 State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
)
conf_file=$(hp "$SLURM_CONF_IN")
if [ -e "$conf_file" ] && [ "$(cat "$conf_file")" != "$new_conf" ]; then
  running=
  for d in slurmrestd slurmd slurmctld slurmdbd; do if daemon_pid "$d" >/dev/null; then running="$running $d"; fi; done
  if [ -n "$running" ]; then
    log "configuration changed (e.g. --with-dbd toggled): restarting ($running)"
    exec 9>&-
    "$HERE/stop.sh" "$TARGET" >&2
    exec 9>"$BASE/.$TARGET.lock"; flock -w 600 9
    [ "$CHROOT" = 0 ] || mount_chroot
  fi
fi
printf '%s\n' "$new_conf" > "$conf_file"; chmod 644 "$conf_file"
# 23.x+: no cgroups at all (no systemd here). 22.05 has no "disabled" plugin and, with
# proctrack/linuxproc + task/none, needs no cgroup.conf.
if [ "$CHROOT" = 1 ]; then printf 'CgroupPlugin=disabled\nIgnoreSystemd=yes\n' > "$(hp "$ETC/cgroup.conf")"
else rm -f "$(hp "$ETC/cgroup.conf")"; fi

port_free_or_ours() { # PORT NAME: die if something that is not our NAME listens on PORT
  local lp; lp=$(listener_pid "$1" || true)
  [ -z "$lp" ] && return 0
  local e; read -r _ e <<<"$(daemon_info "$2")"
  ours "$lp" "$e" || die "port $1 (for $2) is in use by another process: $(ss -Hltnp "sport = :$1")"
}

# tx_bg CMD...: like tx, in a new session, lock fd closed, cwd /; for daemons that do not fork
# (run it with & and redirections). Keeps the pid: chroot and env exec, setsid does not fork
# when it is not a process group leader (a background job of a non-interactive shell is not).
tx_bg() {
  local pre=(); [ "$CHROOT" = 1 ] && pre=(chroot "$ROOT")
  cd / || exit 1
  exec 9>&-
  exec setsid env -i PATH="$TPATH" LANG=C.UTF-8 SLURM_CONF="$SLURM_CONF_IN" "${pre[@]}" "$@"
}

wait_until() { # TIMEOUT DESCRIPTION CMD...
  local t=$1 what=$2; shift 2
  local end=$(( $(date +%s) + t ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$end" ] || return 1
    sleep 0.25
  done
  log "$what ready"
}
# wait_daemon TIMEOUT DAEMON CMD...: wait_until, but give up early once DAEMON has died
# (after a 3 s grace for forking daemons to write their pid file)
wait_daemon() {
  local t=$1 d=$2; shift 2
  local start; start=$(date +%s)
  local end=$(( start + t ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$end" ] || return 1
    if [ "$(date +%s)" -ge $(( start + 3 )) ] && ! daemon_pid "$d" >/dev/null; then log "$d is not running"; return 1; fi
    sleep 0.25
  done
  log "$d ready"
}

# ---------------------------------------------------------------- 4. munged (host), MariaDB + slurmdbd
if [ "$CHROOT" = 0 ]; then
  if p=$(daemon_pid munged); then log "munged already running ($p)"
  else
    rm -f "$MUNGE_SOCK"
    runuser -u munge -- /usr/sbin/munged --key-file="$DIR/munge/munge.key" --socket="$MUNGE_SOCK" \
      --pid-file="$DIR/munge-run/munged.pid" --log-file="$DIR/munge/munged.log" \
      --seed-file="$DIR/munge/munged.seed" 9>&-
    wait_until 10 munged test -S "$MUNGE_SOCK" || die "munged did not start: $(tail -5 "$DIR/munge/munged.log")"
  fi
fi

if [ "$WITH_DBD" = 1 ]; then
  dbpass_file=$(hp "$ETC/.dbpass")
  [ -s "$dbpass_file" ] || { head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$dbpass_file"; chmod 600 "$dbpass_file"; }
  DBPASS=$(cat "$dbpass_file")
  mkdir -p "$(hp "$DBRUN")" "$(hp "$DBDATA")"
  tx chown mysql:mysql "$DBRUN" "$DBDATA"
  if [ ! -d "$(hp "$DBDATA/mysql")" ]; then
    tx mariadb-install-db --no-defaults --user=mysql --datadir="$DBDATA" --auth-root-authentication-method=socket \
      --skip-test-db > "$(hp "$LOGD")/mariadb-install.log" 2>&1 || die "mariadb-install-db failed: see $(hp "$LOGD")/mariadb-install.log"
  fi
  if p=$(daemon_pid mariadbd); then log "mariadbd already running ($p)"
  else
    port_free_or_ours "$DB_PORT" mariadbd
    log "starting mariadbd on 127.0.0.1:$DB_PORT"
    extra=(); [ "$CHROOT" = 1 ] && extra=(--innodb-snapshot-isolation=OFF)   # as in the reference recipe (ON by default since MariaDB 11.8)
    tx_bg /usr/sbin/mariadbd --no-defaults --user=mysql --datadir="$DBDATA" --socket="$DBRUN/mysqld.sock" --pid-file="$DBRUN/mysqld.pid" \
      --port="$DB_PORT" --bind-address=127.0.0.1 --skip-name-resolve --log-error="$DBDATA/mariadb.err" \
      --innodb-buffer-pool-size=128M --innodb-lock-wait-timeout=900 "${extra[@]}" </dev/null >/dev/null 2>&1 &
    wait_until 60 mariadbd tx mariadb --socket="$DBRUN/mysqld.sock" -e 'select 1' \
      || die "mariadbd did not start: $(tail -5 "$(hp "$DBDATA")/mariadb.err")"
  fi
  # --skip-name-resolve: the account must be 'slurm'@'127.0.0.1' ('localhost' only matches the socket)
  tx mariadb --socket="$DBRUN/mysqld.sock" -e "CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY '$DBPASS';
    ALTER USER 'slurm'@'127.0.0.1' IDENTIFIED BY '$DBPASS'; GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';"
  dbd_conf=$(hp "$ETC/slurmdbd.conf")
  printf '%s\n' "$DBD_AUTH" AuthAltTypes=auth/jwt "AuthAltParameters=jwt_key=$ETC/jwt_hs256.key" \
    DbdHost=localhost DbdAddr=127.0.0.1 "DbdPort=$DBD_PORT" SlurmUser=slurm DebugLevel=info \
    "LogFile=$LOGD/slurmdbd.log" "PidFile=$RUN/slurmdbd.pid" StorageType=accounting_storage/mysql \
    StorageHost=127.0.0.1 "StoragePort=$DB_PORT" StorageUser=slurm "StoragePass=$DBPASS" StorageLoc=slurm_acct_db \
    > "$dbd_conf"
  # 23.x+: keep slurmdbd off 0.0.0.0 (22.05's slurmdbd always listens on 0.0.0.0, whatever DbdAddr says)
  if [ "$CHROOT" = 1 ]; then echo CommunicationParameters=NoInAddrAny >> "$dbd_conf"; fi
  tx chown slurm:slurm "$ETC/slurmdbd.conf"; chmod 600 "$dbd_conf"
  if [ "$CHROOT" = 1 ]; then mkdir -p "$ROOT/run/slurmdbd"; tx chown slurm:slurm /run/slurmdbd; fi
  if p=$(daemon_pid slurmdbd); then log "slurmdbd already running ($p)"
  else
    port_free_or_ours "$DBD_PORT" slurmdbd
    log "starting slurmdbd on 127.0.0.1:$DBD_PORT"
    # slurmdbd has no -f: it reads slurmdbd.conf from the directory of $SLURM_CONF
    if [ "$CHROOT" = 1 ]; then tx env LD_LIBRARY_PATH=/opt/libmariadb-compat slurmdbd 9>&-
    else tx slurmdbd 9>&-; fi
    wait_daemon 60 slurmdbd bash -c "ss -Hltn 'sport = :$DBD_PORT' | grep -q LISTEN" \
      || die "slurmdbd did not start: $(tail -5 "$(hp "$LOGD")/slurmdbd.log")"
  fi
fi

# ---------------------------------------------------------------- 5. slurmctld, slurmd, slurmrestd
if p=$(daemon_pid slurmctld); then log "slurmctld already running ($p)"
else
  # slurmctld keeps a ClusterID in StateSaveLocation; when accounting is switched on (or the
  # database is new) slurmdbd hands out another one and slurmctld dies with "CLUSTER ID MISMATCH".
  # Forget the saved ID whenever the accounting mode differs from the last start's.
  mode_file=$(hp "$STATE/.mockrestd-mode")
  if [ "$(cat "$mode_file" 2>/dev/null || true)" != "dbd=$WITH_DBD" ]; then rm -f "$(hp "$STATE/clustername")"; fi
  echo "dbd=$WITH_DBD" > "$mode_file"
  port_free_or_ours "$CTLD_PORT" slurmctld
  log "starting slurmctld on 127.0.0.1:$CTLD_PORT"
  tx slurmctld 9>&- || die "slurmctld failed: $(tail -5 "$(hp "$LOGD")/slurmctld.log")"
  # it lets slurmdbd register the cluster itself (sacctmgr add cluster gave an ID mismatch)
fi
ctld_up() { tx scontrol ping 2>/dev/null | grep -q 'UP'; }
wait_daemon "$READY_TIMEOUT" slurmctld ctld_up \
  || die "slurmctld is not up: $(tail -20 "$(hp "$LOGD")/slurmctld.log")"
if p=$(daemon_pid slurmd); then log "slurmd already running ($p)"
else
  port_free_or_ours "$SLURMD_PORT" slurmd
  log "starting slurmd -N $NODE on 127.0.0.1:$SLURMD_PORT"
  tx slurmd -N "$NODE" 9>&- || die "slurmd failed: $(tail -5 "$(hp "$LOGD")/slurmd.log")"
fi

# slurmrestd plugins: every openapi plugin it has (slurmrestd -s list, which refuses to run as
# root), minus the slurmdbd ones when there is no slurmdbd (22.05 and 24.11 fail to start otherwise).
ALL_PLUGINS=$(txu "$REST_USER" /usr/sbin/slurmrestd -s list 2>&1 | grep -o 'openapi/[A-Za-z0-9._]*' | sort -u || true)
[ -n "$ALL_PLUGINS" ] || die "slurmrestd -s list showed no openapi plugin"
if [ "$WITH_DBD" = 1 ]; then REST_PLUGINS=$ALL_PLUGINS
else REST_PLUGINS=$(grep -v -e '/db' -e 'slurmdbd' <<<"$ALL_PLUGINS" || true); fi
REST_PLUGINS=$(paste -sd, - <<<"$REST_PLUGINS")
if p=$(daemon_pid slurmrestd); then log "slurmrestd already running ($p)"
else
  port_free_or_ours "$REST_PORT" slurmrestd
  log "starting slurmrestd on 127.0.0.1:$REST_PORT (-s $REST_PLUGINS)"
  rlog=$(hp "$LOGD/slurmrestd.log"); touch "$rlog"; tx chown "$REST_USER" "$LOGD/slurmrestd.log"
  # does not daemonize; refuses root/SlurmUser (-u/-g); SLURM_JWT=daemon: use each client's JWT
  tx_bg env SLURM_JWT=daemon /usr/sbin/slurmrestd -u "$REST_USER" -g "$REST_USER" -a rest_auth/jwt \
    -s "$REST_PLUGINS" "127.0.0.1:$REST_PORT" >>"$rlog" 2>&1 </dev/null &
  echo $! > "$(hp "$RUN/slurmrestd.pid")"
fi

# ---------------------------------------------------------------- 6. ready? (token, versions, node IDLE)
ROOT_JWT=$(token root); PLAIN_JWT=$(token "$PLAIN_USER")
{ [ -n "$ROOT_JWT" ] && [ -n "$PLAIN_JWT" ]; } || die "scontrol token failed (is AuthAltTypes=auth/jwt loaded?)"
wait_daemon "$READY_TIMEOUT" slurmrestd rest root "$ROOT_JWT" /openapi/v3 \
  || die "slurmrestd is not answering: $(tail -20 "$(hp "$LOGD")/slurmrestd.log")"
lp=$(listener_pid "$REST_PORT" || true)   # the pid of the listener is the one to stop later
[ -n "$lp" ] && echo "$lp" > "$(hp "$RUN/slurmrestd.pid")"
# 22.05 writes "/" as "\/" in JSON
SPEC=$(rest root "$ROOT_JWT" /openapi/v3 | tr -d '\\')
API_VERSIONS=$(grep -o '"/slurm\(db\)\?/v0\.0\.[0-9]*/' <<<"$SPEC" | grep -o 'v0\.0\.[0-9]*' | sort -t. -k3,3n -u | paste -sd' ' - || true)
[ -n "$API_VERSIONS" ] || die "no /slurm/vX/ paths in /openapi/v3"
NEWEST=$(grep -o '"/slurm/v0\.0\.[0-9]*/' <<<"$SPEC" | grep -o 'v0\.0\.[0-9]*' | sort -t. -k3,3n -u | tail -1)
node_idle() { rest root "$ROOT_JWT" "/slurm/$NEWEST/nodes/" | tr -d ' \n\\' | grep -Eiq '"state":(\["IDLE"\]|"idle")'; }
# /nodes proves auth (ping does not check the token), slurmctld and slurmd registration
wait_daemon "$READY_TIMEOUT" slurmd node_idle \
  || die "node $NODE not IDLE via $NEWEST/nodes: $(tail -5 "$(hp "$LOGD")/slurmd.log")"

if [ "$WITH_DBD" = 1 ]; then   # an account and associations for root and the plain user (idempotent)
  tx sacctmgr -i add account mockci Description=mockrestd Organization=mockrestd >/dev/null 2>&1 || true
  tx sacctmgr -i add user "$PLAIN_USER" Account=mockci >/dev/null 2>&1 || true
  tx sacctmgr -i add user root Account=mockci >/dev/null 2>&1 || true
fi

# release and plugins as the running daemon reports them: 24.11+ list the loaded openapi plugins
# in the spec (info.x-slurm.openapi); otherwise (and for the release) one call per prefix/version
# and its meta.plugin.type.
RELEASE=
PLUGINS=$(tr -d ' \n' <<<"$SPEC" | grep -o '"openapi":\[[^]]*\]' | head -1 | grep -o 'openapi/[^"]*' | paste -sd' ' - || true)
for v in $API_VERSIONS; do
  for probe in "/slurm/$v/ping/" "/slurmdb/$v/diag/"; do
    grep -q "\"${probe%/*/}/" <<<"$SPEC" || continue
    body=$(rest_any root "$ROOT_JWT" "$probe" | tr -d '\\' || true)
    t=$(grep -o '"type": *"openapi/[^"]*"' <<<"$body" | head -1 | sed 's/.*"\(openapi[^"]*\)"/\1/' || true)
    [ -n "$t" ] && PLUGINS="$PLUGINS $t"
    [ -n "$RELEASE" ] || RELEASE=$(grep -o '"release": *"[^"]*"' <<<"$body" | head -1 | sed 's/.*: *"\([^"]*\)"/\1/' || true)
  done
done
PLUGINS=$(tr ' ' '\n' <<<"$PLUGINS" | sed '/^$/d' | sort -u | paste -sd' ' -)
[ -n "$RELEASE" ] || die "could not read the release from the daemon"

log "ready: Slurm $RELEASE, $API_VERSIONS at http://127.0.0.1:$REST_PORT (dbd=$WITH_DBD)"
q() { case $1 in *[[:space:]]*|'') printf "'%s'" "$1" ;; *) printf '%s' "$1" ;; esac; }
out=$(cat <<EOF
SLURMRESTD_URL=http://127.0.0.1:$REST_PORT
SLURM_JWT=$ROOT_JWT
SLURM_USER=root
SLURM_JWT_KEY_FILE=$jwt_key
SLURM_RELEASE=$RELEASE
SLURM_API_VERSIONS=$(q "$API_VERSIONS")
SLURM_PLUGINS=$(q "$PLUGINS")
SLURM_PLAIN_USER=$PLAIN_USER
SLURM_PLAIN_JWT=$PLAIN_JWT
EOF
)
( umask 077; printf '# mockrestd compose/native/start.sh %s (dbd=%s) %s\n%s\n' "$TARGET" "$WITH_DBD" \
    "$(date -u +%FT%TZ)" "$out" > "$ENV_FILE" )
printf '%s\n' "$out"
