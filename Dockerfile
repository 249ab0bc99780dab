# The adapter CLI/API as a container; docker-compose.yml runs it next to a HAPI FHIR server.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY adapter ./adapter
COPY profiles ./profiles
# A regular install: the wheel carries profiles/ to <prefix>/share/cm-fhir-adapter/profiles.
# The postgres extra: replicas share a PostgreSQL ledger (docker-compose.yml, profile scale).
RUN pip install ".[postgres]" && useradd --create-home --uid 10001 adapter
USER adapter

ENTRYPOINT ["adapter"]
CMD ["--help"]
