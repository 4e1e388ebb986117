#!/bin/sh
# Entry point of the image: a fresh Prometheus multiprocess directory for this container's
# processes (uvicorn workers write their metric files there; /metrics adds them up), then the
# command itself, exec'd so that it receives the stop signal.
set -eu
if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
    rm -rf "$PROMETHEUS_MULTIPROC_DIR"
    mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
fi
exec "$@"
