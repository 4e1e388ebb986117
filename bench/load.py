"""Load test (issue 10): a mixed, realistic update stream against `make run`'s processes.

    .venv/bin/python -m config.embedded run -- .venv/bin/python bench/load.py [--rate 200] [--seconds 300]

Creates a fresh `bench_load` database (2 000 active conversations, 3 000 onboarded members who
are not searching), starts the fake Bot API and `manage.py serve` exactly as `make run` does
(uvicorn with 2 workers, `rqworker default telegram --with-scheduler`, `rqcron`), and sends
updates at a fixed rate, open loop, the way Telegram would: one update at a time per chat.

The mix (share of updates): relayed text 52 %, relayed photo 5 %, edits of relayed messages 3 %,
onboarding steps of new members (/start, every tap, the pseudonym, the cards) 20 %, /find 5 %,
/stop 2 %, /help 3 %, /profile 3 %, stale buttons (a proposal that no longer exists) 4 %,
unknown commands 3 %. Searches are paired by the worker's rounds while the load runs.

Prints, per kind and overall: count, errors (answers other than 200; such an update is sent again
a second later, as Telegram would), p50/p95/p99 from the scheduled send time to the 200, and how
many updates were never answered 200; then dead letters and failed jobs (failures that still answer 200), the RSS of the
web and worker processes at the start and the end, and a bare /health baseline at the same rate
measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import signal
import subprocess
import sys
import time
from collections import defaultdict

from harness import (
    PY,
    ROOT,
    SECRET,
    TOKEN,
    Connection,
    Result,
    _wait_http,
    base_env,
    bench_database_url,
    fixed_rate,
    free_port,
    get_request,
    post_request,
    ratio,
    start_conversations,
)

from tests import updates

PAIRED_BASE = 60_000_000  # members in active conversations: PAIRED_BASE + 0 … 2·pairs-1
IDLE_BASE = 61_000_000  # onboarded members who may /find
NEW_BASE = 62_000_000  # strangers who onboard during the run

TELEGRAM_MAX_CONNECTIONS = 40  # what `manage.py setwebhook` asks Telegram for

MIX = [
    ("relay text", 52),
    ("relay photo", 5),
    ("relay edit", 3),
    ("onboarding", 20),
    ("/find", 5),
    ("/stop", 2),
    ("/help", 3),
    ("/profile", 3),
    ("stale button", 4),
    ("unknown command", 3),
]


def prepare(url: str, pairs: int, idle: int) -> dict:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()

    from accounts.models import Member, MemberTopic, Preferences, Topic
    from core.pseudonym import pseudonymous_ref

    topics = list(Topic.objects.order_by("pk").values_list("pk", flat=True))
    rng = random.Random(7)

    def member(tg_id: int, n: int) -> Member:
        return Member(
            tg_id=tg_id,
            ref=pseudonymous_ref(tg_id),
            pseudonym=f"Участник {n}",
            timezone="Europe/Moscow",
            expectations=["vent"],
            availability=["evening"],
            onboarding_step="done",
        )

    paired = Member.objects.bulk_create(
        [member(PAIRED_BASE + i, i) for i in range(2 * pairs)], batch_size=2000
    )
    idle_members = Member.objects.bulk_create(
        [member(IDLE_BASE + i, 100_000 + i) for i in range(idle)], batch_size=2000
    )
    everyone = paired + idle_members
    Preferences.objects.bulk_create([Preferences(member=m) for m in everyone], batch_size=2000)
    MemberTopic.objects.bulk_create(
        [MemberTopic(member=m, topic_id=t) for m in everyone for t in rng.sample(topics[:6], 2)],
        batch_size=5000,
    )
    start_conversations(paired)
    return {"topics": topics}


def onboarding_script(tg_id: int, n: int, topics: list[int]) -> list[dict]:
    """Every update a new member sends from /start to the last safe-communication card."""
    a, b = random.sample(topics[:6], 2)
    taps = [
        "accounts:rules:ok",
        "accounts:adult:yes",
        None,  # the pseudonym, typed
        "accounts:tz:Europe/Moscow",
        "accounts:country:RU",
        f"accounts:topic:{a}:1",
        f"accounts:topic:{b}:1",
        "accounts:topics:done",
        "accounts:exp:vent:1",
        "accounts:exp:done",
        "accounts:sens:light",
        "accounts:av:evening:1",
        "accounts:av:done",
        "accounts:bio:skip",
        "accounts:cards:2:o",
        "accounts:cards:3:o",
        "accounts:cards:4:o",
        "accounts:cards:done:o",
    ]
    script = [updates.command(tg_id, "start")]
    for data in taps:
        script.append(updates.message(tg_id, f"Гость {n}") if data is None else updates.callback(tg_id, data))
    return script


class Stream:
    """Chooses what each scheduled slot sends; keeps one update in flight per chat."""

    def __init__(self, *, pairs: int, idle: int, topics: list[int], seed: int = 11):
        self.rng = random.Random(seed)
        self.pairs, self.idle, self.topics = pairs, idle, topics
        self.busy: set[int] = set()
        self.sent_messages: dict[int, list[int]] = defaultdict(list)
        self.onboarding: list[tuple[int, list[dict]]] = []
        self.new_members = 0
        self.searching: list[int] = []
        kinds, weights = zip(*MIX, strict=True)
        self.kinds, self.weights = list(kinds), list(weights)

    def _free(self, pick) -> int:
        for _ in range(50):
            tg_id = pick()
            if tg_id not in self.busy:
                return tg_id
        return pick()

    def next(self) -> tuple[str, int, dict]:
        kind = self.rng.choices(self.kinds, self.weights)[0]
        paired = lambda: PAIRED_BASE + self.rng.randrange(2 * self.pairs)  # noqa: E731
        idle = lambda: IDLE_BASE + self.rng.randrange(self.idle)  # noqa: E731
        if kind == "relay text":
            tg_id = self._free(paired)
            update = updates.message(tg_id, self.rng.choice(PHRASES))
            self.sent_messages[tg_id].append(update["message"]["message_id"])
        elif kind == "relay photo":
            tg_id = self._free(paired)
            update = updates.media(tg_id, "photo", caption="Вот где я сейчас гуляю")
        elif kind == "relay edit":
            tg_id = self._free(paired)
            previous = self.sent_messages.get(tg_id)
            if previous:
                update = updates.edited_message(tg_id, previous[-1], "Исправил(а): мне правда стало легче")
            else:
                update = updates.message(tg_id, self.rng.choice(PHRASES))
        elif kind == "onboarding":
            tg_id, update = self._onboarding_step()
        elif kind == "/find":
            tg_id = self._free(idle)
            update = updates.command(tg_id, "find")
            self.searching.append(tg_id)
        elif kind == "/stop":
            tg_id = self.searching.pop(0) if self.searching else self._free(idle)
            update = updates.command(tg_id, "stop")
        elif kind == "stale button":
            tg_id = self._free(idle)
            update = updates.callback(tg_id, f"matching:accept:{self.rng.randrange(10**8, 10**9)}")
        elif kind == "unknown command":
            tg_id = self._free(idle)
            update = updates.command(tg_id, "whatever")
        else:  # /help, /profile
            tg_id = self._free(idle if self.rng.random() < 0.5 else paired)
            update = updates.command(tg_id, kind[1:])
        return kind, tg_id, update

    def _onboarding_step(self) -> tuple[int, dict]:
        """The next step of the member who has been onboarding longest and is not waiting for an
        answer; a newcomer starts when nobody is free (each takes about a minute, like a person)."""
        ready = [i for i, (tg_id, _) in enumerate(self.onboarding) if tg_id not in self.busy]
        if not ready:
            tg_id = NEW_BASE + self.new_members
            self.onboarding.append((tg_id, onboarding_script(tg_id, self.new_members, self.topics)))
            self.new_members += 1
            ready = [len(self.onboarding) - 1]
        index = ready[0]
        tg_id, script = self.onboarding[index]
        update = script.pop(0)
        if not script:
            self.onboarding.pop(index)
        return tg_id, update


PHRASES = [
    "Мне тоже было тяжело первое время, но стало легче",
    "Спасибо, что рассказала. Это правда непросто",
    "А что тебе сейчас помогает хоть немного?",
    "Я сегодня весь день не мог собраться",
    "Понимаю. У меня было похоже после переезда",
]


async def run_mixed(
    port: int,
    stream: Stream,
    *,
    rate: float,
    seconds: float,
    lost: dict[str, int],
    connections: int = TELEGRAM_MAX_CONNECTIONS,
) -> dict[str, Result]:
    """Open loop at `rate`, as Telegram delivers: at most 40 requests at once (setWebhook's
    max_connections; the rest wait on Telegram's side, and that wait counts in the latency), one
    update at a time per chat (a slot whose chat is busy waits), and an update answered with
    anything but 200 is sent again a second later
    (up to 10 times; Telegram itself keeps trying for hours). Latency runs from the scheduled send
    to the 200; `errors` counts the non-200 answers; `lost` the updates never answered 200."""
    total = int(rate * seconds)
    pool = [Connection(port) for _ in range(connections or 64)]
    slots = asyncio.Semaphore(connections or 10**9)
    results: dict[str, Result] = {}
    in_flight: dict[int, asyncio.Event] = {}
    start = time.perf_counter()

    def result(kind: str) -> Result:
        return results.setdefault(kind, Result(kind, [], 0, seconds, {}))

    async def send(raw: bytes) -> int:
        async with slots:
            conn = pool.pop() if pool else Connection(port)
            try:
                status = await conn.request(raw)
            except OSError:
                status, conn = 0, Connection(port)
            pool.append(conn)
            return status

    async def one(i: int) -> None:
        scheduled = start + i / rate
        await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
        kind, tg_id, update = stream.next()
        while tg_id in in_flight:  # Telegram waits for the previous update of a chat
            await in_flight[tg_id].wait()
        done = in_flight[tg_id] = asyncio.Event()
        stream.busy.add(tg_id)
        raw = post_request("/telegram/webhook", update, {"X-Telegram-Bot-Api-Secret-Token": SECRET})
        res = result(kind)
        try:
            for _attempt in range(10):
                status = await send(raw)
                res.statuses[status] = res.statuses.get(status, 0) + 1
                if status == 200:
                    res.latencies_ms.append((time.perf_counter() - scheduled) * 1000)
                    break
                res.errors += 1
                await asyncio.sleep(1.0)
            else:
                lost[kind] = lost.get(kind, 0) + 1
        finally:
            stream.busy.discard(tg_id)
            del in_flight[tg_id]
            done.set()

    await asyncio.gather(*(one(i) for i in range(total)))
    elapsed = time.perf_counter() - start
    for res in results.values():
        res.seconds = elapsed
    return results


def process_stats(serve: subprocess.Popen, fake: subprocess.Popen) -> dict[str, dict[str, float]]:
    """RSS (MiB) and CPU-seconds so far of the web server (uvicorn and its workers), the worker
    (rqworker and its scheduler), the cron scheduler and the fake Bot API."""
    import psutil

    groups = {name: {"rss": 0.0, "cpu": 0.0} for name in ("web", "worker", "cron", "fake Bot API")}

    def add(name: str, proc: psutil.Process) -> None:
        times = proc.cpu_times()
        groups[name]["rss"] += proc.memory_info().rss / 2**20
        groups[name]["cpu"] += times.user + times.system + times.children_user + times.children_system

    for child in psutil.Process(serve.pid).children(recursive=True):
        try:
            cmd = " ".join(child.cmdline())
            parent = " ".join(child.parent().cmdline())
            if "uvicorn" in cmd or ("multiprocessing" in cmd and "uvicorn" in parent):
                add("web", child)
            elif "rqworker" in cmd and "rqworker" not in parent:
                add("worker", child)
            elif "rqcron" in cmd:
                add("cron", child)
        except psutil.Error:
            continue
    try:
        add("fake Bot API", psutil.Process(fake.pid))
    except psutil.Error:
        pass
    return groups


def database_failures(url: str) -> tuple[int, int, int, int]:
    """Dead letters, rq jobs that failed, proposals made and members who finished onboarding."""
    import django_rq

    from accounts.models import Member
    from core.models import DeadLetterUpdate
    from matching.models import Proposal

    failed = sum(django_rq.get_queue(q).failed_job_registry.count for q in ("default", "telegram"))
    onboarded = Member.objects.filter(tg_id__gte=NEW_BASE, onboarding_step="done").count()
    return DeadLetterUpdate.objects.count(), failed, Proposal.objects.count(), onboarded


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--idle", type=int, default=3000)
    parser.add_argument("--baseline-seconds", type=float, default=20)
    parser.add_argument(
        "--connections",
        type=int,
        default=TELEGRAM_MAX_CONNECTIONS,
        help="requests in flight at most (Telegram: max_connections = 40); 0: unbounded, like a flood",
    )
    parser.add_argument("--log", help="write the server's logs (JSON lines, WARNING and up) to this file")
    args = parser.parse_args()

    env = base_env()
    env["DATABASE_URL"] = bench_database_url(env, "bench_load")
    prepared = prepare(env["DATABASE_URL"], args.pairs, args.idle)
    import django_rq

    for queue in ("default", "telegram"):
        q = django_rq.get_queue(queue)
        q.empty()
        for registry in (q.failed_job_registry, q.scheduled_job_registry):
            for job_id in registry.get_job_ids():
                registry.remove(job_id, delete_job=True)

    fake_port, web_port = free_port(), free_port()
    fake = subprocess.Popen(
        [PY, "-m", "tests.fake_bot_api", "--port", str(fake_port), "--no-record"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # clients that hang up early are not news
    )
    serve_env = {
        **env,
        "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{fake_port}",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{web_port}",
        "LOG_LEVEL": "WARNING",
    }
    serve = subprocess.Popen(
        [PY, "manage.py", "serve", "--skip-migrate", "--port", str(web_port), "--workers", "2"],
        cwd=ROOT,
        env=serve_env,
        stdout=open(args.log, "w") if args.log else subprocess.DEVNULL,  # noqa: SIM115
        stderr=subprocess.STDOUT if args.log else None,
    )
    try:
        _wait_http(web_port, "/health")
        time.sleep(3)  # the worker and the cron scheduler come up
        stream = Stream(pairs=args.pairs, idle=args.idle, topics=prepared["topics"])
        asyncio.run(run_mixed(web_port, stream, rate=50, seconds=3, lost={}))  # warm-up
        baseline = asyncio.run(
            fixed_rate(
                web_port,
                lambda i: get_request("/health"),
                rate=args.rate,
                seconds=args.baseline_seconds,
                label=f"bare /health @{args.rate:.0f}/s",
            )
        )
        stats_start = process_stats(serve, fake)
        lost: dict[str, int] = {}
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        results = asyncio.run(
            run_mixed(
                web_port,
                stream,
                rate=args.rate,
                seconds=args.seconds,
                lost=lost,
                connections=args.connections,
            )
        )
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
        generator_cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (
            cpu_before.ru_utime + cpu_before.ru_stime
        )
        stats_end = process_stats(serve, fake)
        time.sleep(2)
        dead_letters, failed_jobs, proposals, onboarded = database_failures(env["DATABASE_URL"])
    finally:
        serve.send_signal(signal.SIGTERM)
        fake.terminate()
        try:
            serve.wait(30)
        except subprocess.TimeoutExpired:
            serve.kill()
        fake.wait(10)

    overall = Result(
        f"all updates @{args.rate:.0f}/s",
        [ms for r in results.values() for ms in r.latencies_ms],
        sum(r.errors for r in results.values()),
        max(r.seconds for r in results.values()),
        {},
    )
    for r in results.values():
        for status, n in r.statuses.items():
            overall.statuses[status] = overall.statuses.get(status, 0) + n
    print(
        f"\nload: {args.rate:.0f} updates/s for {args.seconds:.0f} s against `manage.py serve` "
        f"(uvicorn ×2, rqworker with scheduler, rqcron); {args.pairs} conversations, {args.idle} idle members; "
        f"at most {args.connections or 'unbounded'} requests in flight"
    )
    print(baseline.line())
    for kind, _ in MIX:
        if kind in results:
            print(results[kind].line())
    print(overall.line())
    print(f"answers by status: {dict(sorted(overall.statuses.items()))} (a non-200 is sent again after 1 s)")
    print(f"updates never answered 200 after 10 tries: {sum(lost.values())} {lost or ''}")
    print(f"ratio p95 all/bare: {ratio(overall.pct(95), baseline.pct(95))}")
    print(
        f"dead letters: {dead_letters}, failed jobs: {failed_jobs}; proposals made during the run: "
        f"{proposals}; new members onboarded: {onboarded} of {stream.new_members} who started"
    )
    print(
        f"the load generator itself used {generator_cpu:.0f} CPU-seconds "
        f"({generator_cpu / overall.seconds:.0%} of one core) on the same 2 cores"
    )
    delivered = len(overall.latencies_ms) or 1
    for name, start in stats_start.items():
        end = stats_end[name]
        cpu = end["cpu"] - start["cpu"]
        print(
            f"{name:<13} RSS {start['rss']:4.0f} MiB at start, {end['rss']:4.0f} MiB at the end; "
            f"CPU {cpu:6.1f} s ({cpu / overall.seconds:4.0%} of a core, {1000 * cpu / delivered:5.1f} ms per update)"
        )


if __name__ == "__main__":
    sys.exit(main())
