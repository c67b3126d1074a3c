# Owabi: the Slack app over HTTP. Build: docker build -t owabi .
# Run:   docker run -p 3000:3000 -v owabi-data:/app/data \
#          -v "$PWD/policy.toml:/etc/owabi/policy.toml:ro" -e OWABI_POLICY=/etc/owabi/policy.toml \
#          -e SLACK_BOT_TOKEN=xoxb-… -e SLACK_SIGNING_SECRET=… owabi
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    OWABI_DB=/app/data/owabi.db \
    OWABI_MODEL_CACHE=/opt/owabi/models

WORKDIR /app
RUN useradd --system --uid 10001 --home-dir /app owabi

COPY pyproject.toml README.md ./
COPY bot ./bot
COPY responses ./responses
COPY data/policy.example.toml ./data/policy.example.toml
COPY data/corpus ./data/corpus
# The triage and coach models are trained from the bundled corpus at build time, so the
# container never trains (or downloads) anything at start.
RUN pip install . && mkdir -p /app/data && chown -R 10001:10001 /app/data \
    && owabi triage "warm-up: the order arrived late" > /dev/null \
    && owabi coach "I'm sorry, that was our mistake." > /dev/null

USER 10001:10001
VOLUME ["/app/data"]
EXPOSE 3000

HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4).status == 200 else 1)"]

STOPSIGNAL SIGTERM
CMD ["owabi", "serve", "--host", "0.0.0.0", "--port", "3000"]
