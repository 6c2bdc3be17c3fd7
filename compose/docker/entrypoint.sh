#!/bin/bash
# entrypoint.sh ROLE - the one entrypoint of the Slurm images of compose/docker-compose.yml.
#   ROLE: slurmctld | slurmd | slurmrestd | slurmdbd | mariadb | mockrestd
#
# Each role waits for what it needs (a peer's name, a peer's port) before it starts, instead of compose's
# `condition: service_healthy`: podman runs no healthchecks without systemd, and slurmctld started before
# the node's name resolves spends 60-80 s in a failing lookup.
#
# Keys are never committed: the first container to start generates them (under a lock) in the
# shared /keys volume (compose/.keys on the host), every container installs its own copy with the
# owner and mode Slurm insists on.
#   /keys/slurm.key      auth/slurm key shared by slurmctld, slurmd, slurmdbd (1024 random bytes)
#   /keys/jwt_hs256.key  HS256 key of auth/jwt (32 random bytes): mint tokens with it on the host
#   /keys/db_password    MariaDB password of the slurm account
set -euo pipefail

role=${1:?usage: entrypoint.sh slurmctld|slurmd|slurmrestd|slurmdbd|mariadb|mockrestd}
KEYS=${KEYS_DIR:-/keys}

mkdir -p "$KEYS"
exec 8>"$KEYS/.lock"
flock -w 60 8
gen() { # FILE COMMAND...: create FILE atomically from COMMAND's output if it is missing
  local f=$KEYS/$1; shift
  if [ ! -s "$f" ]; then (umask 077; "$@" > "$f.tmp"); mv "$f.tmp" "$f"; echo "entrypoint: generated $f" >&2; fi
}
gen slurm.key head -c 1024 /dev/urandom
gen jwt_hs256.key head -c 32 /dev/urandom
gen db_password sh -c 'head -c 18 /dev/urandom | base64 | tr -d "/+=\n"'
chmod 600 "$KEYS/slurm.key" "$KEYS/jwt_hs256.key" "$KEYS/db_password"
exec 8>&-

WAIT=${WAIT_TIMEOUT:-120}
wait_name() { # HOST: until the network's DNS knows it
  local i
  for ((i = 0; i < WAIT * 2; i++)); do getent hosts "$1" >/dev/null && return; sleep 0.5; done
  echo "entrypoint: $1 does not resolve after ${WAIT} s" >&2; exit 1
}
wait_port() { # HOST PORT: until it accepts connections
  local i
  wait_name "$1"
  for ((i = 0; i < WAIT * 2; i++)); do (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return; sleep 0.5; done
  echo "entrypoint: $1:$2 does not answer after ${WAIT} s" >&2; exit 1
}

install_keys() {
  install -m 600 -o slurm -g slurm "$KEYS/slurm.key" /etc/slurm/slurm.key
  install -m 600 -o slurm -g slurm "$KEYS/jwt_hs256.key" /etc/slurm/jwt_hs256.key
}

case $role in
  slurmctld)
    install_keys
    install -d -o slurm -g slurm /var/spool/slurmctld
    wait_port "${DBD_HOST:-slurmdbd}" 6819
    wait_name "${SLURM_NODENAME:-c1}"
    exec slurmctld -D
    ;;
  slurmd)
    install_keys
    install -d /var/spool/slurmd
    wait_port "${CTLD_HOST:-slurmctld}" 6817
    exec slurmd -D -N "${SLURM_NODENAME:-c1}"
    ;;
  slurmrestd)
    install_keys
    # refuses to run as root or SlurmUser: -u/-g; SLURM_JWT=daemon: pass each client's token on.
    # All openapi plugins load (slurmdbd is there); SLURMRESTD_PLUGINS=a,b restricts them.
    wait_port "${CTLD_HOST:-slurmctld}" 6817
    export SLURM_JWT=daemon
    plugins=()
    if [ -n "${SLURMRESTD_PLUGINS:-}" ]; then plugins=(-s "$SLURMRESTD_PLUGINS"); fi
    exec slurmrestd -u slurmrest -g slurmrest -a rest_auth/jwt "${plugins[@]}" "0.0.0.0:${SLURMRESTD_PORT:-6820}"
    ;;
  slurmdbd)
    install_keys
    pw=$(cat "$KEYS/db_password")
    sed "s|@DB_PASSWORD@|$pw|" /etc/slurm/slurmdbd.conf.in > /etc/slurm/slurmdbd.conf
    chown slurm:slurm /etc/slurm/slurmdbd.conf; chmod 600 /etc/slurm/slurmdbd.conf
    install -d -o slurm -g slurm /run/slurmdbd
    wait_port "${DB_HOST:-mariadb}" 3306
    # Debian forky's libmariadb3 (Connector/C 3.4) makes slurmdbd die at start (error 5027 in
    # _check_mysql_concat_is_sane); bookworm's (3.3, same soname) is copied into the image.
    export LD_LIBRARY_PATH=/opt/libmariadb-compat
    exec slurmdbd -D
    ;;
  mariadb)
    pw=$(cat "$KEYS/db_password")
    install -d -o mysql -g mysql /run/mysqld /var/lib/mysql
    if [ ! -d /var/lib/mysql/mysql ]; then
      mariadb-install-db --user=mysql --datadir=/var/lib/mysql --auth-root-authentication-method=socket \
        --skip-test-db >/dev/null
    fi
    # run at every start: idempotent, and follows a changed /keys/db_password
    (umask 077; cat > /run/mysqld/init.sql <<EOF
CREATE DATABASE IF NOT EXISTS slurm_acct_db;
CREATE USER IF NOT EXISTS 'slurm'@'%' IDENTIFIED BY '$pw';
ALTER USER 'slurm'@'%' IDENTIFIED BY '$pw';
GRANT ALL ON slurm_acct_db.* TO 'slurm'@'%';
EOF
    )
    chown mysql:mysql /run/mysqld/init.sql
    # --innodb-snapshot-isolation=OFF as in the native recipe (MariaDB 11.8 turned it ON by default)
    exec mariadbd --user=mysql --datadir=/var/lib/mysql --bind-address=0.0.0.0 --port=3306 \
      --init-file=/run/mysqld/init.sql --innodb-buffer-pool-size=128M --innodb-lock-wait-timeout=900 \
      --innodb-snapshot-isolation=OFF
    ;;
  mockrestd)
    # the same HS256 key as the real daemons: one token works on both sides of a differential run
    shift
    exec mockrestd serve "0.0.0.0:${MOCKRESTD_PORT:-6820}" --jwt-key "$KEYS/jwt_hs256.key" \
      --profile "${MOCKRESTD_PROFILE:-26.05}" --speed "${MOCKRESTD_SPEED:-1}" "$@"
    ;;
  *)
    exec "$@"
    ;;
esac
