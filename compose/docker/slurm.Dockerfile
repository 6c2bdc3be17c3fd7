# syntax=docker/dockerfile:1
# Slurm from Debian's own packages (forky: Slurm 26.05.x, REST v0.0.42-v0.0.45), one stage per
# service of compose/docker-compose.yml (build target = service). Build context: compose/docker.
# No SchedMD image is used: only a Debian base and Debian packages, so the build is reproducible
# from public mirrors. DEBIAN_IMAGE=debian:trixie-slim gives Slurm 24.11 instead; without a registry,
# compose/images.sh makes the base from debootstrap (localhost/debian:<suite>) and passes it here.
# Every package is installed in one layer shared by all stages: one apt run (the bulk of a cold build),
# and the per-service stages only set the command.
ARG DEBIAN_IMAGE=debian:forky-slim

FROM ${DEBIAN_IMAGE} AS base
# forky's and trixie's libmariadb3 (MariaDB Connector/C 3.4) make slurmdbd die at start (error 5027 in
# _check_mysql_concat_is_sane); bookworm's (3.3, same soname) works: fetched from bookworm's archive
# (the base's keyring still trusts it) and unpacked aside, used through LD_LIBRARY_PATH by slurmdbd only.
ARG COMPAT_SUITE=bookworm
# fixed ids, created before the packages so that every image agrees on them
RUN groupadd -r -g 64030 slurm && useradd -r -u 64030 -g slurm -d /var/lib/slurm -s /usr/sbin/nologin slurm \
 && groupadd -r -g 64101 slurmrest && useradd -r -u 64101 -g slurmrest -d /nonexistent -M -s /usr/sbin/nologin slurmrest \
 && groupadd -g 64102 mockci && useradd -u 64102 -g mockci -m -d /home/mockci -s /bin/bash mockci \
 && groupadd -r -g 64103 mysql && useradd -r -u 64103 -g mysql -d /nonexistent -s /bin/false mysql \
 && printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d \
 && mirror=$(sed -n 's|^URIs: *||p; s|^deb \(http[^ ]*\) .*|\1|p' /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null | head -1) \
 && echo "deb ${mirror:-http://deb.debian.org/debian} ${COMPAT_SUITE} main" > /etc/apt/sources.list.d/compat.list \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      slurm-client slurm-wlm-basic-plugins slurm-wlm-jwt-plugin util-linux procps \
      slurmctld slurmd slurmrestd slurmdbd mariadb-server \
 && cd /tmp && apt-get download -o APT::Sandbox::User=root "libmariadb3/${COMPAT_SUITE}" \
 && dpkg-deb -x libmariadb3_*.deb /tmp/compat && mkdir -p /opt/libmariadb-compat \
 && cp -L /tmp/compat/usr/lib/*-linux-gnu/libmariadb.so.3 /opt/libmariadb-compat/ \
 && rm -rf /tmp/compat /tmp/*.deb /etc/apt/sources.list.d/compat.list /var/lib/apt/lists/*
COPY slurm.conf cgroup.conf /etc/slurm/
COPY slurmdbd.conf /etc/slurm/slurmdbd.conf.in
COPY entrypoint.sh /usr/local/sbin/entrypoint.sh
RUN chmod 644 /etc/slurm/slurm.conf /etc/slurm/cgroup.conf && chmod 755 /usr/local/sbin/entrypoint.sh
ENTRYPOINT ["/usr/local/sbin/entrypoint.sh"]

FROM base AS slurmctld
EXPOSE 6817
CMD ["slurmctld"]

FROM base AS slurmd
EXPOSE 6818
CMD ["slurmd"]

FROM base AS slurmrestd
EXPOSE 6820
CMD ["slurmrestd"]

FROM base AS slurmdbd
EXPOSE 6819
CMD ["slurmdbd"]

FROM base AS mariadb
EXPOSE 3306
CMD ["mariadb"]
