# syntax=docker/dockerfile:1
# mockrestd from this checkout. Build context: the repository root (see compose/docker-compose.yml);
# compose/docker/mockrestd.Dockerfile.dockerignore keeps the context small.
# The spec documents are third-party data and not committed: the compose file mounts a folder of
# them at /specs (MOCKRESTD_SPECS), e.g. the repo's specs/ after `mockrestd specs sync`.
FROM python:3.11-slim
WORKDIR /src
COPY pyproject.toml README.md ./
COPY mockrestd ./mockrestd
COPY contract_tests ./contract_tests
RUN pip install --no-cache-dir . && rm -rf /src
WORKDIR /
ENV MOCKRESTD_SPECS=/specs
EXPOSE 6820
CMD ["mockrestd", "serve", "0.0.0.0:6820"]
