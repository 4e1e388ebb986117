"""The process's Redis client (rate limits, locks, id maps): one connection pool per process."""

import functools

import django_rq


@functools.cache
def connection():
    # django_rq.get_connection builds a new client (and connects anew) on every call.
    return django_rq.get_connection("default")
