# BuildSpeak in a container: `docker build -t buildspeak .` then
#   docker run -e TELEGRAM_BOT_TOKEN=… -v buildspeak-data:/app/data buildspeak
# Without a token it starts the console chat (add -it).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends espeak-ng lame \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY lessons ./lessons
COPY config ./config
RUN pip install .

RUN useradd --create-home buildspeak && mkdir -p /app/data && chown buildspeak /app/data
USER buildspeak
# The SQLite database and the audio cache; mount a volume to keep them across restarts.
VOLUME ["/app/data"]
CMD ["buildspeak", "run"]
