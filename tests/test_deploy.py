"""The deployment files: compose.yaml, Dockerfile, Prometheus, Grafana, .env.example, production settings.

There is no Docker engine on the development machines, so these tests read the files and check
them against the code: every command a container runs names something that exists, every metric a
dashboard or alert uses is exported, every setting is documented.
"""

import ast
import importlib
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import redis
import yaml
from django.conf import settings
from django.core.management import get_commands
from django.urls import resolve

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
APP_SERVICES = ("web", "worker", "scheduler", "migrate")
LONG_RUNNING = ("web", "worker", "scheduler", "postgres", "redis", "prometheus", "grafana")


def _yaml(path: Path):
    return yaml.safe_load(path.read_text())


@pytest.fixture(scope="module")
def compose() -> dict:
    return _yaml(ROOT / "compose.yaml")


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def _argv(command) -> list[str]:
    """A compose/Dockerfile command as argv; of `sh -c "step && exec …"` the exec'd command."""
    argv = shlex.split(command) if isinstance(command, str) else list(command)
    if argv[:2] == ["sh", "-c"]:
        argv = shlex.split(argv[2].split("&&")[-1])
        if argv[0] == "exec":
            argv = argv[1:]
    return argv


def _dockerfile() -> str:
    # Join continuation lines so that one instruction is one line.
    return re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())


def _instructions(keyword: str) -> list[str]:
    return [
        line.split(None, 1)[1]
        for line in _dockerfile().splitlines()
        if line.strip() and line.split(None, 1)[0].upper() == keyword
    ]


# --- compose.yaml ------------------------------------------------------------------------------


def test_compose_runs_the_app_its_databases_and_monitoring(services):
    assert set(services) >= {*APP_SERVICES, "postgres", "redis", "prometheus", "grafana"}
    assert services["postgres"]["image"] == "postgres:18"
    assert services["redis"]["image"] == "redis:7.4"


def test_app_services_wait_for_migrations_and_healthy_databases(services):
    for name in ("web", "worker", "scheduler"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["migrate"]["restart"] == "no"
    assert services["grafana"]["depends_on"]["prometheus"]["condition"] == "service_healthy"


def test_every_long_running_service_has_a_healthcheck(services):
    for name in LONG_RUNNING:
        check = services[name].get("healthcheck", {})
        assert check.get("test"), f"{name} has no healthcheck"
        assert not check.get("disable"), name
    # The one-shot migrate service exits; the image's web healthcheck would only be noise there.
    assert services["migrate"]["healthcheck"] == {"disable": True}
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["redis"]["healthcheck"]["test"][-2:] == ["redis-cli", "ping"]


def test_app_healthchecks_call_the_bundled_check_script_with_a_known_role(services):
    from deploy.healthcheck import CHECKS

    for name in ("web", "worker", "scheduler"):
        test = services[name]["healthcheck"]["test"]
        assert test[:3] == ["CMD", "python", "deploy/healthcheck.py"], name
        assert test[3] == name and name in CHECKS


def test_data_lives_in_named_volumes(compose, services):
    volumes = compose["volumes"]
    mounts = {
        "postgres": "postgres-data:/var/lib/postgresql",  # postgres 18 keeps PGDATA below it
        "redis": "redis-data:/data",
        "prometheus": "prometheus-data:/prometheus",
        "grafana": "grafana-data:/var/lib/grafana",
    }
    for service, mount in mounts.items():
        assert mount in services[service]["volumes"], service
        assert mount.split(":")[0] in volumes
    assert "--appendonly" in services["redis"]["command"]


def test_app_services_share_one_image_and_the_production_environment(services):
    first = services["web"]
    for name in APP_SERVICES:
        service = services[name]
        assert service["build"] == first["build"] == "."
        assert service["image"] == first["image"]
        assert service["env_file"] == ".env"
        env = service["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
        assert "@postgres:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"].startswith("redis://redis:6379/")


def test_app_commands_name_real_modules_and_management_commands(services):
    commands = get_commands()
    for name in ("worker", "scheduler", "migrate"):
        argv = _argv(services[name]["command"])
        assert argv[:2] == ["python", "manage.py"], name
        assert argv[2] in commands, f"{name}: no management command {argv[2]!r}"
    assert _argv(services["worker"]["command"])[2:] == ["rqworker", "default", "telegram", "--with-scheduler"]
    assert set(_argv(services["worker"]["command"])[3:5]) <= set(settings.RQ_QUEUES)
    assert _argv(services["migrate"]["command"])[2:] == ["migrate", "--noinput"]
    cron_path = _argv(services["scheduler"]["command"])[3]
    assert (ROOT / cron_path).is_file()

    web = _argv(services["web"]["command"])
    assert web[0] == "uvicorn"
    module, attr = web[1].split(":")
    assert callable(getattr(importlib.import_module(module), attr))


def test_the_cron_config_schedules_the_dedup_prune_daily():
    from rq.cron import CronScheduler

    scheduler = CronScheduler(connection=redis.Redis())  # loading the config does not connect
    scheduler.load_config_from_file("config/cron.py")
    jobs = {job.func_name: job for job in scheduler.get_jobs()}
    prune = jobs["core.tasks.processed_updates_prune"]
    assert prune.queue_name in settings.RQ_QUEUES
    assert prune.cron is not None and len(prune.cron.split()) == 5
    assert prune.cron.split()[2:] == ["*", "*", "*"]  # every day


def test_web_is_published_on_loopback_by_default(services):
    assert services["web"]["ports"] == ["${WEB_PUBLISH:-127.0.0.1:8000}:8000"]
    for name in ("prometheus", "grafana"):
        assert all(port.startswith("127.0.0.1:") for port in services[name]["ports"]), name


# --- Dockerfile --------------------------------------------------------------------------------


def test_image_is_python_311_slim_without_a_compiler_and_runs_as_a_user():
    stages = _instructions("FROM")
    assert len(stages) == 2
    assert all(stage.split()[0] == "python:3.11-slim" for stage in stages)
    final = _dockerfile().split("\nFROM ")[-1]
    assert "gcc" not in final and "apt-get install" not in final
    users = _instructions("USER")
    assert users and users[-1] not in ("root", "0")
    assert "useradd" in final


def test_image_collects_static_files_with_production_settings_and_dummy_secrets():
    (run,) = [line for line in _instructions("RUN") if "collectstatic" in line]
    source = (ROOT / "config/settings/production.py").read_text()
    required = next(
        ast.literal_eval(node.value)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "_REQUIRED"
    )
    for name in required:
        assert f"{name}=" in run, f"collectstatic at build needs {name}"
    assert "DJANGO_SETTINGS_MODULE=config.settings.production" in " ".join(_instructions("ENV"))

    # The same command works here with the image's environment at that step and the same values
    # (a dry run: nothing is written).
    final_stage = _dockerfile().split("\nFROM ")[-1]
    image_env = {}
    for line in final_stage.split("collectstatic")[0].splitlines():
        if line.startswith("ENV "):
            image_env.update(re.findall(r"\b([A-Z_]+)=(\S+)", line))
    image_env.pop("PATH")
    assignments = dict(re.findall(r"\b([A-Z_]+)=(\S+)", run.split("python manage.py")[0]))
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--dry-run", "--verbosity", "0"],
        cwd=ROOT,
        env=_clean_env(**image_env, **assignments),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


def test_image_healthcheck_entrypoint_and_default_command():
    (healthcheck,) = _instructions("HEALTHCHECK")
    assert '"python", "/app/deploy/healthcheck.py", "web"' in healthcheck
    (entrypoint,) = _instructions("ENTRYPOINT")
    assert json.loads(entrypoint) == ["sh", "/app/deploy/docker-entrypoint.sh"]
    assert (DEPLOY / "docker-entrypoint.sh").is_file()
    (cmd,) = _instructions("CMD")
    argv = _argv(json.loads(cmd))
    assert argv[:2] == ["uvicorn", "config.asgi:application"]
    for flag in ("--proxy-headers", "--no-access-log", "--workers"):
        assert flag in argv
    assert "--forwarded-allow-ips=*" in argv


def test_web_commands_of_image_and_compose_are_the_same(services):
    (cmd,) = _instructions("CMD")
    image_script = json.loads(cmd)[2]
    compose_script = services["web"]["command"][2].replace("$$", "$")
    assert " ".join(compose_script.split()) == " ".join(image_script.split())


def test_web_container_without_a_setting_exits_with_one_line_instead_of_restarting_workers(tmp_path):
    (cmd,) = _instructions("CMD")
    env = _clean_env(**{**PRODUCTION_ENV, "REDIS_URL": ""}, EMBEDDED_DATA_DIR=str(tmp_path / "embedded"))
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"
    script = json.loads(cmd)[2].replace("--port 8000", "--port 0")
    result = subprocess.run(
        ["sh", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "Missing required environment variable(s): REDIS_URL (see .env.example)"
    ]


def test_build_context_leaves_out_secrets_and_local_state():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".env", ".venv", ".data", ".git"):
        assert entry in ignored
    assert "!.env.example" in ignored


def test_entrypoint_starts_with_a_fresh_metrics_directory_and_execs_the_command(tmp_path):
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    (metrics_dir / "counter_123.db").write_text("old")
    result = subprocess.run(
        [
            "sh",
            str(DEPLOY / "docker-entrypoint.sh"),
            "sh",
            "-c",
            'ls -A "$PROMETHEUS_MULTIPROC_DIR"; echo ran',
        ],
        env={"PATH": os.environ["PATH"], "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ran\n"


# --- the healthcheck script --------------------------------------------------------------------


def _run_check(role: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(DEPLOY / "healthcheck.py"), role],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_web_healthcheck_follows_the_health_endpoint():
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "/health" else 500)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        assert _run_check("web", HEALTHCHECK_URL=f"{base}/health").returncode == 0
        failing = _run_check("web", HEALTHCHECK_URL=f"{base}/broken")
        assert failing.returncode == 1 and len(failing.stderr.strip().splitlines()) == 1
    finally:
        server.shutdown()
    down = _run_check("web", HEALTHCHECK_URL=f"{base}/health")
    assert down.returncode == 1 and "unreachable" in down.stderr


def test_worker_healthcheck_sees_a_worker_of_this_host_in_redis():
    from rq import Queue, Worker

    connection = redis.Redis.from_url(settings.REDIS_URL)
    assert _run_check("worker", REDIS_URL=settings.REDIS_URL).returncode == 1
    worker = Worker([Queue("default", connection=connection)], connection=connection)
    assert worker.hostname == socket.gethostname()
    worker.register_birth()
    try:
        assert _run_check("worker", REDIS_URL=settings.REDIS_URL).returncode == 0
    finally:
        worker.register_death()
    assert _run_check("worker", REDIS_URL=settings.REDIS_URL).returncode == 1


def test_scheduler_healthcheck_sees_a_cron_scheduler_of_this_host_in_redis():
    from rq.cron import CronScheduler

    connection = redis.Redis.from_url(settings.REDIS_URL)
    assert _run_check("scheduler", REDIS_URL=settings.REDIS_URL).returncode == 1
    scheduler = CronScheduler(connection=connection)
    scheduler.register_birth()
    try:
        assert _run_check("scheduler", REDIS_URL=settings.REDIS_URL).returncode == 0
    finally:
        scheduler.register_death()
        connection.delete(scheduler.key)


def test_healthcheck_without_redis_is_unhealthy_in_one_line():
    result = _run_check("worker", REDIS_URL="redis://127.0.0.1:1/0")
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


# --- Prometheus and Grafana --------------------------------------------------------------------

PROMQL_WORDS = {
    # functions and aggregations are followed by "(" and skipped anyway; these are the keywords
    "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset",
}  # fmt: skip


def metric_names_in(expr: str) -> set[str]:
    """Metric names a PromQL expression reads (a small parser, enough for our expressions)."""
    expr = re.sub(r'"(?:\\.|[^"\\])*"', '""', expr)  # string literals
    expr = re.sub(r"\{[^}]*\}", "", expr)  # label matchers
    expr = re.sub(r"\[[^\]]*\]", "", expr)  # range selectors
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", expr)
    names = set()
    for match in re.finditer(r"(?<![\w.$])([a-zA-Z_:][a-zA-Z0-9_:]*)\b(\s*\()?", expr):
        word, is_call = match.group(1), match.group(2)
        if not is_call and word not in PROMQL_WORDS and not re.fullmatch(r"\d+[smhdwy]|e\d+", word):
            names.add(word)
    return names


@pytest.fixture(scope="module")
def exported_metrics() -> set[str]:
    """Sample names /metrics exports (metrics modules and scrape-time collectors) and Prometheus' own."""
    from prometheus_client import REGISTRY

    importlib.import_module("django_prometheus.middleware")
    for metrics_module in ROOT.glob("*/metrics.py"):
        importlib.import_module(f"{metrics_module.parent.name}.metrics")
    suffixes = {
        "counter": ("_total", "_created"),
        "histogram": ("_bucket", "_sum", "_count", "_created"),
        "summary": ("_sum", "_count", "_created", ""),
        "gauge": ("",),
    }
    names = set()
    for family in REGISTRY.collect():
        names.update(family.name + suffix for suffix in suffixes.get(family.type, ("",)))
    # Gauges built at scrape time (GaugeMetricFamily) are named by string literals there.
    for collectors in ROOT.glob("*/collectors.py"):
        names.update(re.findall(r"""["'](tno_[a-z0-9_]+)["']""", collectors.read_text()))
    names.update({"up", "scrape_duration_seconds", "scrape_samples_scraped"})
    return names


def test_metric_name_parser_reads_what_it_should():
    assert metric_names_in(
        'sum by (le) (rate(tno_update_handler_seconds_bucket{type=~"a|b"}[5m])) / '
        "count(max by (name) (rq_workers)) or on () vector(0) > 0.5"
    ) == {"tno_update_handler_seconds_bucket", "rq_workers"}


def test_prometheus_scrapes_every_web_replica(services):
    config = _yaml(DEPLOY / "prometheus/prometheus.yml")
    assert "./deploy/prometheus:/etc/prometheus:ro" in services["prometheus"]["volumes"]
    for rule_file in config["rule_files"]:
        assert (DEPLOY / "prometheus" / Path(rule_file).relative_to("/etc/prometheus")).is_file()
    web = next(job for job in config["scrape_configs"] if job["job_name"] == "web")
    # DNS discovery of the compose service: one target per replica, by IP address.
    (sd,) = web["dns_sd_configs"]
    assert sd["names"] == ["web"] and sd["port"] == 8000 and sd["type"] == "A"
    assert resolve(web["metrics_path"]).url_name == "prometheus-metrics"
    # Plain HTTP inside the compose network: /metrics must not redirect to HTTPS.
    assert any(
        re.match(pattern, web["metrics_path"].lstrip("/")) for pattern in settings.SECURE_REDIRECT_EXEMPT
    )


def test_alert_rules_cover_the_operators_questions_and_use_exported_metrics(exported_metrics):
    rules = [rule for group in _yaml(DEPLOY / "prometheus/alerts.yml")["groups"] for rule in group["rules"]]
    names = {rule["alert"] for rule in rules}
    assert names >= {
        "WebhookErrorRateHigh",
        "HandlerLatencyP95High",
        "DeadLettersAppeared",
        "QueueNotDraining",
        "WorkerDown",
        "WebDown",
        "QueueLagHigh",
        "AcceptRateLow",
        "FindRateLimitedOften",
    }
    for rule in rules:
        assert rule["labels"]["severity"] in ("page", "warning"), rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        used = metric_names_in(rule["expr"])
        assert used, rule["alert"]
        assert used <= exported_metrics, f"{rule['alert']} uses unknown metrics {used - exported_metrics}"


@pytest.mark.skipif(not shutil.which("promtool"), reason="promtool is not installed")
def test_alert_rules_pass_promtool_and_their_unit_tests():
    for args in (["check", "rules", "alerts.yml"], ["test", "rules", "alerts_test.yml"]):
        result = subprocess.run(
            ["promtool", *args], cwd=DEPLOY / "prometheus", capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_grafana_is_provisioned_with_the_prometheus_datasource_and_the_dashboard(services):
    volumes = services["grafana"]["volumes"]
    assert "./deploy/grafana/provisioning:/etc/grafana/provisioning:ro" in volumes
    (datasource,) = _yaml(DEPLOY / "grafana/provisioning/datasources/prometheus.yml")["datasources"]
    assert datasource["type"] == "prometheus" and datasource["url"] == "http://prometheus:9090"
    (provider,) = _yaml(DEPLOY / "grafana/provisioning/dashboards/tno.yml")["providers"]
    assert f"./deploy/grafana/dashboards:{provider['options']['path']}:ro" in volumes
    dashboards = list((DEPLOY / "grafana/dashboards").glob("*.json"))
    assert dashboards
    for path in dashboards:
        dashboard = json.loads(path.read_text())
        ids = [panel["id"] for panel in dashboard["panels"]]
        assert len(ids) == len(set(ids)), path.name
        for panel in dashboard["panels"]:
            if panel["type"] != "row":
                assert panel["datasource"]["uid"] == datasource["uid"], panel["title"]


def test_dashboard_shows_updates_latency_dead_letters_and_queues_from_exported_metrics(exported_metrics):
    dashboard = json.loads((DEPLOY / "grafana/dashboards/ty-ne-odin.json").read_text())
    used = set()
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            names = metric_names_in(target["expr"])
            assert names <= exported_metrics, f"{panel['title']}: unknown metrics {names - exported_metrics}"
            used |= names
    assert used >= {
        "tno_updates_total",
        "tno_update_handler_seconds_bucket",
        "tno_dead_letters_total",
        "tno_telegram_errors_total",
        "tno_rq_queue_depth",
        "tno_rq_workers",
    }
    exprs = " ".join(t["expr"] for p in dashboard["panels"] for t in p.get("targets", []))
    assert "sum by (outcome) (rate(tno_updates_total" in exprs
    assert "histogram_quantile(0.95" in exprs


# --- settings and their documentation ----------------------------------------------------------


def test_env_example_documents_every_variable_the_settings_read():
    read = set()
    for path in (ROOT / "config/settings").glob("*.py"):
        read |= set(re.findall(r"""\benv(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']""", path.read_text()))
        read |= set(re.findall(r"""environ\.get\(\s*["']([A-Z][A-Z0-9_]*)["']""", path.read_text()))
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "TELEGRAM_WEBHOOK_SECRET"} <= read
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.M))
    assert read - documented == set()


def test_compose_variables_are_documented_in_env_example():
    text = (ROOT / "compose.yaml").read_text()
    used = set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)", text))
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.M))
    assert used - documented == set()


PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "x" * 60 + "-production-check-0123456789-abcdefghijklmnop",
    "DATABASE_URL": "postgres://tno:secret@127.0.0.1:1/tno",
    "REDIS_URL": "redis://127.0.0.1:1/0",
    "TELEGRAM_BOT_TOKEN": "123456:production-check",
    "TELEGRAM_WEBHOOK_SECRET": "production-check-secret",
    "PUBLIC_BASE_URL": "https://bot.example.org",
    "PSEUDONYM_SECRET": "production-check-pseudonym",
    "DJANGO_ALLOWED_HOSTS": "bot.example.org",
}


def _clean_env(**values) -> dict:
    """An environment without the developer's settings; the embedded servers' data goes nowhere."""
    return {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "EMBEDDED_DATA_DIR": "/nonexistent/embedded-must-not-start",
        **values,
    }


def test_production_settings_pass_the_deploy_checklist():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_clean_env(**PRODUCTION_ENV),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["DATABASE_URL", "TELEGRAM_WEBHOOK_SECRET"])
def test_a_missing_production_variable_stops_start_up_with_one_line_naming_it(missing, tmp_path):
    data_dir = tmp_path / "embedded"
    # An empty value counts as missing (and shadows a developer's .env, which never overrides).
    env = _clean_env(**{**PRODUCTION_ENV, missing: ""}, EMBEDDED_DATA_DIR=str(data_dir))
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert missing in lines[0] and "Traceback" not in result.stderr
    assert not data_dir.exists(), "production must not start the embedded PostgreSQL/Redis"


def test_production_serves_admin_static_files_and_keeps_cookies_secure():
    script = (
        "from django.conf import settings as s;"
        "print(s.MIDDLEWARE.index('whitenoise.middleware.WhiteNoiseMiddleware')"
        " == s.MIDDLEWARE.index('django.middleware.security.SecurityMiddleware') + 1,"
        " s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS >= 31536000,"
        " s.SECURE_PROXY_SSL_HEADER, 'bot.example.org' in s.ALLOWED_HOSTS, s.DEBUG)"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {script}"],
        cwd=ROOT,
        env=_clean_env(**PRODUCTION_ENV),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True True True True ('HTTP_X_FORWARDED_PROTO', 'https') True False"
