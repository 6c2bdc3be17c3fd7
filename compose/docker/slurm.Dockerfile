# syntax=docker/dockerfile:1
# Slurm from Debian's own packages (forky: Slurm 26.05.x, REST v0.0.42-v0.0.45), one stage per
# service of compose/docker-compose.yml (build target = service). Build context: compose/docker.
# No SchedMD image is used: only Debian images and Debian packages, so the build is reproducible
# from public mirrors. DEBIAN_IMAGE=debian:trixie-slim gives Slurm 24.11 instead.
ARG DEBIAN_IMAGE=debian:forky-slim
ARG COMPAT_IMAGE=debian:bookworm-slim

# bookworm's libmariadb3 (MariaDB Connector/C 3.3): slurmdbd dies with forky's 3.4 (error 5027)
FROM ${COMPAT_IMAGE} AS libmariadb-compat
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libmariadb3 \
 && mkdir -p /opt/libmariadb-compat \
 && cp -L /usr/lib/*-linux-gnu/libmariadb.so.3 /opt/libmariadb-compat/ \
 && rm -rf /var/lib/apt/lists/*

FROM ${DEBIAN_IMAGE} AS base
# fixed ids, created before the packages so that every image agrees on them
RUN groupadd -r -g 64030 slurm && useradd -r -u 64030 -g slurm -d /var/lib/slurm -s /usr/sbin/nologin slurm \
 && groupadd -r -g 64101 slurmrest && useradd -r -u 64101 -g slurmrest -d /nonexistent -M -s /usr/sbin/nologin slurmrest \
 && groupadd -g 64102 mockci && useradd -u 64102 -g mockci -m -d /home/mockci -s /bin/bash mockci \
 && printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      slurm-client slurm-wlm-basic-plugins slurm-wlm-jwt-plugin util-linux \
 && rm -rf /var/lib/apt/lists/*
COPY slurm.conf cgroup.conf /etc/slurm/
COPY slurmdbd.conf /etc/slurm/slurmdbd.conf.in
COPY entrypoint.sh /usr/local/sbin/entrypoint.sh
RUN chmod 644 /etc/slurm/slurm.conf /etc/slurm/cgroup.conf && chmod 755 /usr/local/sbin/entrypoint.sh
ENTRYPOINT ["/usr/local/sbin/entrypoint.sh"]

FROM base AS slurmctld
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends slurmctld \
 && rm -rf /var/lib/apt/lists/*
EXPOSE 6817
CMD ["slurmctld"]

FROM base AS slurmd
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends slurmd procps \
 && rm -rf /var/lib/apt/lists/*
EXPOSE 6818
CMD ["slurmd"]

FROM base AS slurmrestd
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends slurmrestd \
 && rm -rf /var/lib/apt/lists/*
EXPOSE 6820
CMD ["slurmrestd"]

FROM base AS slurmdbd
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends slurmdbd \
 && rm -rf /var/lib/apt/lists/*
COPY --from=libmariadb-compat /opt/libmariadb-compat /opt/libmariadb-compat
EXPOSE 6819
CMD ["slurmdbd"]

FROM base AS mariadb
RUN groupadd -r -g 64103 mysql && useradd -r -u 64103 -g mysql -d /nonexistent -s /bin/false mysql \
 && apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends mariadb-server \
 && rm -rf /var/lib/apt/lists/*
EXPOSE 3306
CMD ["mariadb"]
