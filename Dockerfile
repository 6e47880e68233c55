# welllog: REST API by default; the dashboard with
#   docker run -p 8501:8501 IMAGE welllog dashboard --host 0.0.0.0
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    WELLLOG_MODELS_DIR=/app/models

# libgomp: OpenMP runtime for LightGBM/XGBoost wheels
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgomp1 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY requirements.lock pyproject.toml README.md ./
COPY scripts/container_install.sh scripts/
COPY welllog welllog
COPY api api
COPY dashboard dashboard
RUN scripts/container_install.sh /src /opt/venv && rm -rf /src

RUN useradd --create-home --uid 10001 welllog && mkdir -p /app/models && chown -R welllog /app
USER welllog
WORKDIR /app
VOLUME ["/app/models"]
EXPOSE 8000 8501

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status != 200)"

# inside a container the API must listen beyond loopback to be reachable through -p
CMD ["welllog", "serve", "--host", "0.0.0.0", "--port", "8000"]
