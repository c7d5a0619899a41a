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


def load_config(instance_path: str) -> dict:
    """Return the settings this process runs with, from the environment."""
    database_url = normalise_database_url(os.environ.get("DATABASE_URL") or _sqlite_default(instance_path))
    data_dir = Path(os.environ.get("HOTLINE_DATA_DIR") or PROJECT_ROOT.parent / "shared" / "data")
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_hex(32),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "PORT": int(os.environ.get("PORT") or 5000),
        # How Socket.IO multiplexes connections: "threading" (a thread per socket) or "gevent" (greenlets).
        # ``python -m hotline.serve`` decides before importing anything (gevent with Redis) and passes it in.
        "HOTLINE_ASYNC_MODE": os.environ.get("HOTLINE_ASYNC_MODE") or "threading",
        # Bodies beyond this are refused with 413 before any parsing.
        "MAX_CONTENT_LENGTH": 1 * 1024 * 1024,
        "HOTLINE_DATA_DIR": str(data_dir),
        "HOTLINE_MODELS_DIR": os.environ.get("HOTLINE_MODELS_DIR") or str(Path(instance_path) / "models"),
        "HOTLINE_TIME_LIMIT_PRESET": os.environ.get("HOTLINE_TIME_LIMIT_PRESET") or "default",
        "HOTLINE_WARNING_INTERVAL_SECONDS": int(os.environ.get("HOTLINE_WARNING_INTERVAL_SECONDS") or 60),
        "HOTLINE_TOKEN_HOURS": int(os.environ.get("HOTLINE_TOKEN_HOURS") or 12),
        # Reverse proxies in front of the app (nginx = 1). Their X-Forwarded-For/-Proto are trusted that many
        # hops deep, so rate limits and login throttling see the citizen's address, not the proxy's. 0 when
        # clients connect directly: a forwarded header from a client must not be believed.
        "HOTLINE_PROXY_HOPS": int(os.environ.get("HOTLINE_PROXY_HOPS") or 0),
        # A monitor that sends this as ``X-Health-Token`` reads the health details (admins always can).
        "HOTLINE_HEALTH_TOKEN": os.environ.get("HOTLINE_HEALTH_TOKEN") or None,
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
    }
