# syntax=docker/dockerfile:1
# mockrestd from this checkout, on the same Debian base as the Slurm images (no other image needed: without
# a registry compose/images.sh passes the debootstrapped localhost/debian:<suite>). Build context: the
# repository root (see compose/docker-compose.yml); mockrestd.Dockerfile.dockerignore keeps it small.
# The dependencies are one layer keyed by pyproject.toml only, so a code change rebuilds in seconds.
# (compose/images.sh binds the host's CA bundle at /run/mockrestd-build-ca.crt under podman, for pip
# behind a TLS-intercepting proxy.)
# The spec documents are third-party data and not committed: the compose file mounts a folder of
# them at /specs (MOCKRESTD_SPECS), e.g. the repo's specs/ after `mockrestd specs sync`.
ARG DEBIAN_IMAGE=debian:forky-slim
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv ca-certificates util-linux \
 && rm -rf /var/lib/apt/lists/* \
 && python3 -m venv /opt/mockrestd
ENV PATH=/opt/mockrestd/bin:$PATH PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml ./
RUN python3 -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > deps.txt \
 && if [ -s /run/mockrestd-build-ca.crt ]; then export PIP_CERT=/run/mockrestd-build-ca.crt; fi \
 && pip install -q -r deps.txt "setuptools>=68"
COPY README.md ./
COPY mockrestd ./mockrestd
COPY contract_tests ./contract_tests
RUN pip install -q --no-deps --no-build-isolation . && rm -rf /src
COPY compose/docker/entrypoint.sh /usr/local/sbin/entrypoint.sh
RUN chmod 755 /usr/local/sbin/entrypoint.sh
WORKDIR /
ENV MOCKRESTD_SPECS=/specs
EXPOSE 6820
ENTRYPOINT ["/usr/local/sbin/entrypoint.sh"]
CMD ["mockrestd"]
