"""Throwaway servers for tests and benchmarks: PostgreSQL and Redis on free loopback ports.

Nothing here is for production: the clusters skip fsync and hold nothing worth keeping.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Dict, Optional, Sequence


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ThrowawayPostgres:
    """A PostgreSQL cluster in a temporary directory, on a free port, for tests and benchmarks.

    The server refuses to run as root, so as root the cluster belongs to the ``postgres``
    OS user. It trusts local connections and skips fsync: it holds nothing worth keeping.
    """

    def __init__(self, database: str = "trainer", os_user: str = "postgres"):
        self.database = database
        self.os_user = os_user
        self.dir: Optional[Path] = None
        self.port: Optional[int] = None

    @staticmethod
    def available() -> bool:
        return all(shutil.which(b) for b in ("initdb", "pg_ctl", "postgres"))

    def _run(self, cmd: Sequence[str], timeout: float = 120) -> subprocess.CompletedProcess:
        kwargs: Dict[str, object] = {}
        if os.geteuid() == 0:
            import pwd

            pw = pwd.getpwnam(self.os_user)
            kwargs = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}
        env = {"PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"), "LC_ALL": "C", "LANG": "C"}
        proc = subprocess.run(list(cmd), cwd=str(self.dir), env=env, capture_output=True, text=True,
                              timeout=timeout, **kwargs)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}\n{self.log()}")
        return proc

    def log(self) -> str:
        try:
            return (self.dir / "server.log").read_text(errors="replace")[-3000:] if self.dir else ""
        except FileNotFoundError:
            return ""

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: Optional[str] = None) -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/{database or self.database}"

    def start(self) -> str:
        """Start the cluster and create the database; returns its SQLAlchemy URL."""
        self.dir = Path(tempfile.mkdtemp(prefix="trainer-pg-"))
        if os.geteuid() == 0:
            import pwd

            pw = pwd.getpwnam(self.os_user)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        data = self.dir / "data"
        self._run(["initdb", "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C",
                   "--no-sync"])
        self.port = _free_port()
        opts = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off")
        self._run(["pg_ctl", "-D", str(data), "-l", str(self.dir / "server.log"), "-w", "-t", "90", "-o", opts, "start"])
        self.create_database(self.database)
        return self.url()

    def create_database(self, name: str) -> str:
        import psycopg2

        conn = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres")
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        conn.close()
        return self.url(name)

    def stop(self) -> None:
        if self.dir is None:
            return
        try:
            if (self.dir / "data" / "postmaster.pid").exists():
                self._run(["pg_ctl", "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop"])
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self) -> "ThrowawayPostgres":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()



class ThrowawayRedis:
    """redis-server in a temporary directory, on a free port, without persistence."""

    def __init__(self) -> None:
        self.dir: Optional[Path] = None
        self.port: Optional[int] = None
        self.proc: Optional[subprocess.Popen] = None

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    def start(self) -> int:
        self.dir = Path(tempfile.mkdtemp(prefix="trainer-redis-"))
        self.port = _free_port()
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.dir)],
            stdout=open(self.dir / "redis.log", "wb"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return self.port
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"redis-server did not start: {(self.dir / 'redis.log').read_text(errors='replace')}")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self) -> "ThrowawayRedis":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
