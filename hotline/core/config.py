"""Configuration read from the environment when the app is created (never at import)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _sqlite_default(instance_path: str) -> str:
    return f"sqlite:///{Path(instance_path) / 'hotline.db'}"


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgres URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _flag(value: str | None) -> bool | None:
    if value is None or not value.strip():
        return None
    return value.strip().lower() in ("1", "true", "yes", "on")


class ConfigError(RuntimeError):
    """A setting this process must not run with."""


def is_production(config: dict) -> bool:
    """Tell whether ``config`` runs on PostgreSQL, i.e. a real centre (the embedded demo is SQLite)."""
    return str(config.get("SQLALCHEMY_DATABASE_URI") or "").startswith("postgresql")


def check_settings(config: dict) -> None:
    """Refuse to start in production without a fixed SECRET_KEY; elsewhere make a random one for this process.

    A random key per process breaks sessions and CSRF tokens behind a load balancer and logs everyone out
    at every restart; on the embedded single-process demo that is harmless.
    """
    if config.get("SECRET_KEY"):
        return
    if is_production(config):
        raise ConfigError(
            "生产环境（PostgreSQL DATABASE_URL）必须设置固定的 SECRET_KEY：每个进程随机生成的密钥会使会话和 CSRF 令牌在多进程或重启后失效。"
            " Set SECRET_KEY (the same value in every web process and worker)."
        )
    config["SECRET_KEY"] = secrets.token_hex(32)


def _engine_options(database_url: str) -> dict:
    options: dict = {"pool_pre_ping": True}
    if database_url.startswith("sqlite"):
        return options
    # The pool per process (SQLAlchemy's defaults: 5 + 10 overflow, 30 s wait); a wait past the timeout
    # answers a clear 503, and the outbox keeps what a committed action promised.
    for key, env in (
        ("pool_size", "HOTLINE_DB_POOL_SIZE"),
        ("max_overflow", "HOTLINE_DB_MAX_OVERFLOW"),
        ("pool_timeout", "HOTLINE_DB_POOL_TIMEOUT"),
    ):
        if os.environ.get(env):
            options[key] = int(os.environ[env])
    if database_url.startswith("postgresql"):
        settings = []
        if os.environ.get("HOTLINE_DB_JIT") != "1":
            # PostgreSQL's JIT compiles any plan its cost model calls expensive: 0.5 s of compiling for a list
            # page that runs in 2 ms (seen on a million tickets). Short OLTP queries never gain; HOTLINE_DB_JIT=1.
            settings.append("-c jit=off")
        if os.environ.get("HOTLINE_DB_PARALLEL") != "1":
            # A parallel plan starts worker processes for a few thousand rows: the inbox page of a district on a
            # million tickets ran in 29 ms with two workers and 18 ms without, and the workers took the cores the
            # other requests needed. The app's queries are short; HOTLINE_DB_PARALLEL=1 lets reports use them.
            settings.append("-c max_parallel_workers_per_gather=0")
        if settings:
            options["connect_args"] = {"options": " ".join(settings)}
    return options


def load_config(instance_path: str) -> dict:
    """Return the settings this process runs with, from the environment."""
    database_url = normalise_database_url(os.environ.get("DATABASE_URL") or _sqlite_default(instance_path))
    data_dir = Path(os.environ.get("HOTLINE_DATA_DIR") or PROJECT_ROOT.parent / "shared" / "data")
    return {
        # None = not configured: ``check_settings`` refuses that in production and makes a random key otherwise.
        "SECRET_KEY": os.environ.get("SECRET_KEY") or None,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(database_url),
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "PORT": int(os.environ.get("PORT") or 5000),
        # How Socket.IO multiplexes connections: "threading" (a thread per socket) or "gevent" (greenlets).
        # ``python -m hotline.serve`` decides before importing anything (gevent with Redis) and passes it in.
        "HOTLINE_ASYNC_MODE": os.environ.get("HOTLINE_ASYNC_MODE") or "threading",
        # Bodies beyond this are refused with 413 before any parsing.
        "MAX_CONTENT_LENGTH": 1 * 1024 * 1024,
        "HOTLINE_DATA_DIR": str(data_dir),
        "HOTLINE_MODELS_DIR": os.environ.get("HOTLINE_MODELS_DIR") or str(Path(instance_path) / "models"),
        # The dashboard's closed/merged/transferred totals are recounted at most this often per process.
        "HOTLINE_DONE_COUNTS_SECONDS": int(os.environ.get("HOTLINE_DONE_COUNTS_SECONDS") or 60),
        # Reference data read on every intake (dispatch's cache keys, time limits, KB synonyms) is re-read at
        # most this often per process (hotline.core.recent); an edit on another process applies within it.
        "HOTLINE_REFERENCE_SECONDS": float(os.environ.get("HOTLINE_REFERENCE_SECONDS") or 5),
        "HOTLINE_COUNT_SQL": os.environ.get("HOTLINE_COUNT_SQL") == "1",  # X-SQL-Statements (benchmarks)
        "HOTLINE_TIME_LIMIT_PRESET": os.environ.get("HOTLINE_TIME_LIMIT_PRESET") or "default",
        "HOTLINE_WARNING_INTERVAL_SECONDS": int(os.environ.get("HOTLINE_WARNING_INTERVAL_SECONDS") or 60),
        # The job outbox (hotline.core.outbox): how long the fast path owns a new row before the sweep takes
        # it, how long a queued job may stay unfinished before it is queued again, how often the sweep runs.
        "HOTLINE_OUTBOX_GRACE_SECONDS": float(os.environ.get("HOTLINE_OUTBOX_GRACE_SECONDS") or 10),
        "HOTLINE_OUTBOX_LEASE_SECONDS": float(os.environ.get("HOTLINE_OUTBOX_LEASE_SECONDS") or 120),
        "HOTLINE_OUTBOX_SWEEP_SECONDS": int(os.environ.get("HOTLINE_OUTBOX_SWEEP_SECONDS") or 10),
        "HOTLINE_JOB_TIMEOUT": int(os.environ.get("HOTLINE_JOB_TIMEOUT") or 180),
        "HOTLINE_TOKEN_HOURS": int(os.environ.get("HOTLINE_TOKEN_HOURS") or 12),
        # Staff sign-in (hotline/auth/policy.py): roles that must pass a TOTP second factor, password rules and
        # age, how long a named personal API token and a page session may live.
        "HOTLINE_SECOND_FACTOR_ROLES": os.environ.get("HOTLINE_SECOND_FACTOR_ROLES", "admin,supervisor"),
        "HOTLINE_PASSWORD_MIN_LENGTH": int(os.environ.get("HOTLINE_PASSWORD_MIN_LENGTH") or 10),
        "HOTLINE_PASSWORD_MAX_AGE_DAYS": int(os.environ.get("HOTLINE_PASSWORD_MAX_AGE_DAYS") or 90),
        "HOTLINE_TOKEN_MAX_DAYS": int(os.environ.get("HOTLINE_TOKEN_MAX_DAYS") or 90),
        "HOTLINE_SESSION_HOURS": int(os.environ.get("HOTLINE_SESSION_HOURS") or 12),
        # Exchange with upper platforms (docs/exchange.md): how often to pull and to send what is due.
        "HOTLINE_EXCHANGE_PULL_SECONDS": int(os.environ.get("HOTLINE_EXCHANGE_PULL_SECONDS") or 60),
        "HOTLINE_EXCHANGE_DELIVER_SECONDS": int(os.environ.get("HOTLINE_EXCHANGE_DELIVER_SECONDS") or 30),
        # Reverse proxies in front of the app (nginx = 1). Their X-Forwarded-For/-Proto are trusted that many
        # hops deep, so rate limits and login throttling see the citizen's address, not the proxy's. 0 when
        # clients connect directly: a forwarded header from a client must not be believed.
        "HOTLINE_PROXY_HOPS": int(os.environ.get("HOTLINE_PROXY_HOPS") or 0),
        # A monitor that sends this as ``X-Health-Token`` reads the health details (admins always can).
        "HOTLINE_HEALTH_TOKEN": os.environ.get("HOTLINE_HEALTH_TOKEN") or None,
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        # 1: the session cookie is always Secure; 0: never (plain-HTTP test rigs); unset: Secure whenever the
        # request came over HTTPS, directly or through the trusted proxies (HOTLINE_PROXY_HOPS).
        "SESSION_COOKIE_SECURE": _flag(os.environ.get("SESSION_COOKIE_SECURE")),
        "SESSION_COOKIE_SAMESITE": "Lax",
    }
