# Spravka: one node serving the portal and the API with one worker process per core.
# Production: point SPRAVKA_DATABASE_URL at PostgreSQL, set SPRAVKA_SECRET_KEY (the same on
# every node) and SPRAVKA_ATTACHMENTS_DIR on storage all nodes share; the search index lives
# in the data volume and is rebuilt from the database whenever it is missing. compose.yaml
# shows a node with PostgreSQL and `spravka worker` beside it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SPRAVKA_DATA_DIR=/data \
    SPRAVKA_LOG_FORMAT=json
WORKDIR /app
COPY pyproject.toml README.md ./
COPY kb_service kb_service
COPY indexer indexer
COPY tickets tickets
COPY portal portal
RUN pip install --no-cache-dir . \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin spravka \
    && mkdir -p /data /attachments \
    && chown spravka /data /attachments
USER 10001
VOLUME /data
EXPOSE 8000
# Alive while the process answers; /readyz (database and index freshness) is for the balancer.
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["spravka", "serve", "--host", "0.0.0.0", "--port", "8000"]
