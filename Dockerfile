# Spravka: one node serving the portal and the API. Point SPRAVKA_DATABASE_URL at PostgreSQL
# in production; the search index lives in the data volume and is rebuilt from the database
# whenever it is missing.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 SPRAVKA_DATA_DIR=/data
WORKDIR /app
COPY pyproject.toml README.md ./
COPY kb_service kb_service
COPY indexer indexer
COPY tickets tickets
COPY portal portal
RUN pip install --no-cache-dir . && useradd --system --home /data spravka \
    && mkdir -p /data && chown spravka /data
USER spravka
VOLUME /data
EXPOSE 8000
CMD ["spravka", "serve", "--host", "0.0.0.0", "--port", "8000"]
