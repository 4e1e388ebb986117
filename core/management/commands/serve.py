"""`make run`: migrate, then run the web server, a worker with the scheduler and the cron scheduler.

With TELEGRAM_BOT_TOKEN and PUBLIC_BASE_URL it registers the webhook; with a token only it polls
getUpdates into the same processing path; with no token it still serves admin and says what to set.
Ctrl-C stops every child process.
"""

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run web + worker + scheduler (and polling when there is no public URL)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("WEB_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("WEB_PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
        parser.add_argument("--skip-migrate", action="store_true")

    def handle(self, *args, host: str, port: int, workers: int, skip_migrate: bool, **options):
        data_dir = Path(settings.BASE_DIR) / ".data"
        data_dir.mkdir(exist_ok=True)
        env = dict(os.environ)
        env.setdefault(
            "DJANGO_SETTINGS_MODULE", os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.base")
        )
        env["DATABASE_URL"] = env.get("DATABASE_URL") or _database_url()
        env["REDIS_URL"] = env.get("REDIS_URL") or settings.REDIS_URL
        if not settings.TELEGRAM_WEBHOOK_SECRET:
            env["TELEGRAM_WEBHOOK_SECRET"] = _dev_webhook_secret(data_dir)
        metrics_dir = data_dir / "prometheus"
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir()
        env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)

        if not skip_migrate:
            call_command("migrate", interactive=False, verbosity=0)
            self.stdout.write("database migrated")
        self._superuser_hint()

        python = sys.executable
        manage = str(Path(settings.BASE_DIR) / "manage.py")
        commands = {
            "web": [
                python, "-m", "uvicorn", "config.asgi:application",
                "--host", host, "--port", str(port), "--workers", str(workers),
                "--no-access-log", "--loop", "uvloop", "--http", "httptools",
                "--log-config", str(Path(settings.BASE_DIR) / "config" / "uvicorn_logging.json"),
            ],
            "worker": [python, manage, "rqworker", "default", "telegram", "--with-scheduler"],
            "scheduler": [python, manage, "rqcron", "config/cron.py"],
        }  # fmt: skip
        token, public_url = settings.TELEGRAM_BOT_TOKEN, settings.PUBLIC_BASE_URL
        if token and public_url:
            env_for_call = {**env}
            subprocess.run([python, manage, "setwebhook"], env=env_for_call, check=False)
        elif token:
            commands["polling"] = [python, manage, "pollupdates"]
            self.stdout.write(
                "no PUBLIC_BASE_URL: polling mode (getUpdates) for trying the bot from this machine"
            )
        else:
            self.stdout.write(
                self.style.WARNING(
                    "TELEGRAM_BOT_TOKEN is not set: admin and web run, the bot does not. "
                    "Set TELEGRAM_BOT_TOKEN (and PUBLIC_BASE_URL for a webhook) in .env."
                )
            )
        self.stdout.write(
            self.style.SUCCESS(f"admin: http://{host}:{port}/admin/   health: http://{host}:{port}/health")
        )

        children = {name: subprocess.Popen(cmd, env=env) for name, cmd in commands.items()}
        stopping = False

        def stop(signum, _frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        exit_code = 0
        while not stopping:
            for name, proc in children.items():
                if proc.poll() is not None:
                    self.stderr.write(f"{name} exited with code {proc.returncode}; stopping everything")
                    stopping, exit_code = True, 1
                    break
            time.sleep(0.5)
        for proc in children.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in children.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
        self.stdout.write("stopped")
        sys.exit(exit_code)

    def _superuser_hint(self) -> None:
        user_model = get_user_model()
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME")
        if (
            username
            and os.environ.get("DJANGO_SUPERUSER_PASSWORD")
            and not user_model.objects.filter(username=username).exists()
        ):
            call_command(
                "createsuperuser", interactive=False, email=os.environ.get("DJANGO_SUPERUSER_EMAIL", "")
            )
            self.stdout.write("staff user created from DJANGO_SUPERUSER_* variables")
        if not user_model.objects.filter(is_staff=True).exists():
            self.stdout.write(
                "no staff user yet: run `.venv/bin/python -m config.embedded run -- .venv/bin/python manage.py "
                "createsuperuser` or set DJANGO_SUPERUSER_USERNAME / DJANGO_SUPERUSER_PASSWORD and restart"
            )


def _database_url() -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@/{db['NAME']}?host={db['HOST']}&port={db['PORT']}"


def _dev_webhook_secret(data_dir: Path) -> str:
    """A stable random secret for development, so a restarted server accepts its own webhook."""
    path = data_dir / "webhook_secret"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32))
    return path.read_text().strip()
