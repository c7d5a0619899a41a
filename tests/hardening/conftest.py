"""The console's page-session and Socket.IO fixtures, for the hardening tests that listen to live events."""

from tests.console.conftest import login, sockets  # noqa: F401
