"""CSV export benchmark (issue 7): stream 1 000 000 members' rows, memory flat.

    .venv/bin/python bench/exports.py [--rows 1000000]

Creates a fresh `bench_exports` database, inserts `--rows` members with one SQL statement, then
streams the members export (moderation.exports, the code behind /admin/exports/members.csv)
and prints rows/s, the peak traced Python memory and the process RSS before and after, next to
the same run's baseline: PostgreSQL's own `COPY … TO STDOUT (FORMAT csv)` of the same columns.
"""

import argparse
import asyncio
import os
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import base_env, bench_database_url, rss_mb  # noqa: E402


def seed(rows: int) -> None:
    from django.db import connection
    from psycopg.types.json import Jsonb

    from accounts.models import Member

    columns, values, params = [], [], []
    generated = {
        "tg_id": "900000000 + g",
        "ref": "'b' || lpad(g::text, 9, '0')",
        "pseudonym": "'m' || g",
        "created_at": "now() - g * interval '1 second'",
        "last_seen_at": "now()",
        "onboarding_step": "'done'",
    }
    for field in Member._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        if field.name in generated:
            values.append(generated[field.name])
            continue
        default = field.get_default()  # "" for text, None for nullable, else the declared default
        if field.get_internal_type() == "JSONField":
            default = Jsonb(default)
        values.append("%s")
        params.append(default)
    sql = (
        f"INSERT INTO {Member._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM generate_series(1, %s) g"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, rows])


async def stream() -> tuple[int, int]:
    from moderation import exports

    size = lines = 0
    async for chunk in exports.rows(exports.EXPORTS["members"], None, None):
        size += len(chunk)
        lines += chunk.count("\n")
    return lines, size


def copy_baseline() -> tuple[int, float]:
    from django.db import connection

    from moderation import exports

    columns = ", ".join(path for _, path in exports.EXPORTS["members"].columns)
    size = 0
    started = time.perf_counter()
    with (
        connection.cursor() as cursor,
        cursor.connection.cursor().copy(
            f"COPY (SELECT {columns} FROM accounts_member ORDER BY id) TO STDOUT (FORMAT csv)"
        ) as copy,
    ):
        for data in copy:
            size += len(data)
    return size, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    env = base_env()
    os.environ["DATABASE_URL"] = bench_database_url(env, "bench_exports")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()
    started = time.perf_counter()
    seed(args.rows)
    print(f"\nexport benchmark: {args.rows} members (inserted in {time.perf_counter() - started:.1f} s)")
    rss_before = rss_mb(os.getpid())
    started = time.perf_counter()
    lines, size = asyncio.run(stream())
    seconds = time.perf_counter() - started
    rss_after = rss_mb(os.getpid())
    tracemalloc.start()  # a second pass, traced (tracing slows Python down: not timed)
    asyncio.run(stream())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    base_size, base_seconds = copy_baseline()
    print(
        f"members export: {lines - 1} rows, {size / 1e6:.0f} MB of CSV in {seconds:.1f} s = {(lines - 1) / seconds:,.0f} rows/s"
    )
    print(f"peak traced Python memory while streaming: {peak / 1e6:.1f} MB (the CSV is {size / 1e6:.0f} MB)")
    print(f"process RSS: {rss_before:.0f} MiB before, {rss_after:.0f} MiB after")
    print(
        f"baseline COPY … TO STDOUT of the same columns: {base_size / 1e6:.0f} MB in {base_seconds:.1f} s; "
        f"ratio ours/COPY time {seconds / base_seconds:.1f}×"
    )


if __name__ == "__main__":
    main()
