# BuildSpeak's image: the bot, its offline voice and a Chinese font, run as a user of its own.
#
#   docker build -t buildspeak .
#   docker run -d --init --env-file .env -v buildspeak-data:/app/data -p 127.0.0.1:8080:8080 buildspeak
#
# or `docker compose up -d` for the bot beside PostgreSQL (compose.yaml; README, "Deploy").
# Every install step is a script under scripts/image/: tests/deploy/test_image_replay.py replays
# this file's RUN lines on a Debian machine that has no container engine, so keep them to those.

# bookworm: the Debian release the tests replay the install steps on; move both together.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH
WORKDIR /app

# 1. Debian packages: espeak-ng and lame (the offline voice), fonts-wqy-microhei (/stats in Chinese).
COPY scripts/image/install-system.sh scripts/image/
RUN bash scripts/image/install-system.sh

# 2. The Python dependencies, every version and file hash from requirements.lock (`make lock`). A layer
# of their own, before the code: rebuilt when the lock changes, not on every commit.
COPY scripts/image/install-python.sh scripts/image/
COPY requirements.lock ./
RUN bash scripts/image/install-python.sh dependencies "$VIRTUAL_ENV" requirements.lock

# 3. BuildSpeak. config/ and lessons/library/ are read from /app, the working directory.
COPY pyproject.toml README.md ./
COPY bot/ bot/
COPY lessons/ lessons/
COPY config/ config/
RUN bash scripts/image/install-python.sh project "$VIRTUAL_ENV" .
COPY scripts/image/entrypoint.sh scripts/image/wait-for-database.py scripts/image/healthcheck.py scripts/image/

# What the bot writes goes to data/, the volume: the SQLite database (when there is no PostgreSQL),
# the audio cache and the lesson pins. The user owns nothing else; the code and the venv stay root's.
RUN groupadd --gid 10001 buildspeak \
    && useradd --uid 10001 --gid buildspeak --create-home --shell /usr/sbin/nologin buildspeak \
    && mkdir -p data \
    && chown buildspeak:buildspeak data
# The default database (sqlite:///data/buildspeak.db) and audio cache (data/audio) already land there,
# relative to /app; the pins' default is under lessons/, so it moves. The HTTP server listens on every
# interface, or nothing outside the container reaches it. Settings in the environment win over
# config/buildspeak.toml, so only these two are set here.
ENV BUILDSPEAK_LIBRARY__PINS=/app/data/pins.toml \
    BUILDSPEAK_WEB__HOST=0.0.0.0
VOLUME ["/app/data"]
# The bot's HTTP server ([web] port): /healthz, /metrics and Telegram's webhook.
EXPOSE 8080
# Numeric, so an orchestrator that insists on a non-root user (runAsNonRoot) can tell it is one.
USER 10001:10001

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "/app/scripts/image/healthcheck.py"]
# Waits for the database and migrates it before `buildspeak run`; any other command runs as given.
ENTRYPOINT ["/app/scripts/image/entrypoint.sh"]
CMD ["buildspeak", "run"]
