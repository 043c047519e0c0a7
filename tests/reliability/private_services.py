"""A RabbitMQ node and a PostgreSQL cluster of the test's own, on free ports, to stop and restart.

Fault tests must never stop the machine's shared broker or database (other work uses them), so
each test that breaks one starts a private one here: a RabbitMQ node with its own name, data and
Erlang cookie; a PostgreSQL cluster in a temporary directory (run as the ``postgres`` user when
the tests run as root, since PostgreSQL refuses root). Everything started is stopped — and, if it
does not stop, killed by its process group — when the fixture ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
from pathlib import Path

RABBITMQ_BIN = Path("/usr/lib/rabbitmq/bin")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def postgres_bin() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(os.path.realpath(found)).parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return versions[-1].parent if versions else None


def rabbitmq_available() -> bool:
    return (RABBITMQ_BIN / "rabbitmq-server").exists()


class PrivateRabbit:
    """``start()``, ``stop()`` (the whole node, as a crash or shutdown would), ``restart()``."""

    def __init__(self) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="clinrelay-rmq-"))
        self.port = free_port()
        self.node = f"clinrelay_t{secrets.token_hex(4)}@localhost"
        home = self.base / "home"
        home.mkdir()
        cookie = home / ".erlang.cookie"
        cookie.write_text(secrets.token_hex(16).upper())
        cookie.chmod(0o400)
        (self.base / "enabled_plugins").write_text("[].")
        (self.base / "rabbitmq.conf").write_text(
            f"listeners.tcp.local = 127.0.0.1:{self.port}\nloopback_users = none\n"
        )
        (self.base / "env.conf").write_text("")
        self.env = {
            **os.environ,
            "HOME": str(home),
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(free_port()),
            "RABBITMQ_MNESIA_BASE": str(self.base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.base / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.base / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(self.base / "rabbitmq.conf"),
            "RABBITMQ_CONF_ENV_FILE": str(self.base / "env.conf"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "ERL_FLAGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def _ctl(self, *args: str, timeout: float = 120) -> None:
        subprocess.run(
            [str(RABBITMQ_BIN / "rabbitmqctl"), "-n", self.node, *args],
            env=self.env,
            check=True,
            capture_output=True,
            timeout=timeout,
        )

    def _spawn(self) -> None:
        with (self.base / "server.out").open("ab") as log:
            self.process = subprocess.Popen(
                [str(RABBITMQ_BIN / "rabbitmq-server")],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    async def start(self) -> None:
        await asyncio.to_thread(self._spawn)
        async with asyncio.timeout(240):
            while True:  # until the node is registered, await_startup says it is not running
                try:
                    await asyncio.to_thread(self._ctl, "await_startup", "--timeout", "180")
                    return
                except subprocess.CalledProcessError:
                    if self.process is None or self.process.poll() is not None:
                        raise
                    await asyncio.sleep(1)

    async def stop(self) -> None:
        """Stop the whole node (what a broker crash or shutdown looks like to clients)."""
        if self.process is None:
            return
        with contextlib.suppress(subprocess.SubprocessError):
            await asyncio.to_thread(self._ctl, "stop", timeout=60)
        await asyncio.to_thread(self._reap)

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    def _reap(self) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self.process = None

    async def close(self) -> None:
        await self.stop()
        shutil.rmtree(self.base, ignore_errors=True)


class PrivatePostgres:
    """A PostgreSQL cluster of its own: ``start()``, ``stop()``, ``restart()`` (fast shutdown)."""

    def __init__(self) -> None:
        binaries = postgres_bin()
        assert binaries is not None, "PostgreSQL server binaries not found"
        self.bin = binaries
        self.base = Path(tempfile.mkdtemp(prefix="clinrelay-pg-"))
        self.data = self.base / "data"
        self.port = free_port()
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            shutil.chown(self.base, "postgres", "postgres")

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *argv: str, timeout: float = 120) -> None:
        command = [str(self.bin / argv[0]), *argv[1:]]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=timeout, cwd=self.base)

    def _pg_ctl(self, action: str) -> None:
        options = (
            f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c max_connections=200"
        )
        self._run(
            "pg_ctl", action, "-D", str(self.data), "-l", str(self.base / "server.log"),
            "-m", "fast", "-w", "-t", "120", "-o", options,
        )  # fmt: skip

    async def start(self) -> None:
        if not self.data.exists():
            await asyncio.to_thread(
                self._run, "initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust"
            )
        await asyncio.to_thread(self._pg_ctl, "start")

    async def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            await asyncio.to_thread(self._pg_ctl, "stop")

    async def restart(self) -> None:
        await asyncio.to_thread(self._pg_ctl, "restart")

    async def close(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError):
            await self.stop()
        shutil.rmtree(self.base, ignore_errors=True)
