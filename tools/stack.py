"""Start and stop the trainer's processes: action server, Rasa server, web app.

Used by ``make run`` (``python -m tools.stack run``), by the end-to-end tests and
by the benchmarks, so that all three start the product the same way. Each
process runs in its own process group and writes its log under ``var/log/``.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
DEFAULT_MODEL = ROOT / "models" / "trainer.tar.gz"


@dataclass
class Ports:
    rasa: int = 5005
    actions: int = 5055
    web: int = 8000


@dataclass
class Stack:
    ports: Ports = field(default_factory=Ports)
    model: Path = DEFAULT_MODEL
    var: Path = ROOT / "var"
    env: Dict[str, str] = field(default_factory=dict)
    credentials: Path = ROOT / "credentials.yml"
    # endpoints.yml sections; the defaults are SQLite beside the other files in `var`
    tracker_store: Optional[Dict[str, Any]] = None
    lock_store: Optional[Dict[str, Any]] = None
    action_token: str = field(default_factory=lambda: os.environ.get("TRAINER_ACTION_TOKEN") or secrets.token_urlsafe(24))
    procs: Dict[str, subprocess.Popen] = field(default_factory=dict)

    # -- configuration -----------------------------------------------------------
    def _env(self) -> Dict[str, str]:
        env = dict(os.environ)
        env.setdefault("TRAINER_DATABASE_URL", f"sqlite:///{self.var / 'trainer.db'}")
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        env.setdefault("PYTHONUNBUFFERED", "1")
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        env["TRAINER_RASA_URL"] = f"http://127.0.0.1:{self.ports.rasa}"
        env["TRAINER_ACTION_TOKEN"] = self.action_token
        env.update(self.env)
        return env

    def endpoints_file(self) -> Path:
        """endpoints.yml for this stack: its action server, with its token, and its stores."""
        tracker_db = self.var / ("rasa_tracker.db" if self.ports.rasa == 5005 else f"rasa_tracker.{self.ports.rasa}.db")
        config: Dict[str, Any] = {
            # Our actions never read the domain: don't serialise it into every action call.
            "action_endpoint": {"url": f"http://127.0.0.1:{self.ports.actions}/webhook", "token": self.action_token,
                                "enable_selective_domain": True},
            "tracker_store": self.tracker_store or {
                "type": "server.tracker_store.CheckedSQLTrackerStore", "dialect": "sqlite", "db": str(tracker_db)},
        }
        if self.lock_store:
            config["lock_store"] = self.lock_store
        path = self.var / f"endpoints.{self.ports.rasa}.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # it holds the action token
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            yaml.safe_dump(config, fh, allow_unicode=True)
        return path

    def commands(self) -> Dict[str, List[str]]:
        web_origin = [f"http://127.0.0.1:{self.ports.web}", f"http://localhost:{self.ports.web}"]
        return {
            "actions": [sys.executable, "-m", "server.action_server", "--port", str(self.ports.actions)],
            "rasa": [
                sys.executable, "-m", "server.rasa_server", "run", "--model", str(self.model), "--endpoints", str(self.endpoints_file()),
                "--credentials", str(self.credentials), "--port", str(self.ports.rasa),
                "--interface", "127.0.0.1", "--cors", *web_origin,
            ],
            "web": [sys.executable, "-m", "webapp", "--port", str(self.ports.web), "--rasa-port", str(self.ports.rasa)],
        }

    def health_urls(self) -> Dict[str, str]:
        return {
            "actions": f"http://127.0.0.1:{self.ports.actions}/health",
            "rasa": f"http://127.0.0.1:{self.ports.rasa}/webhooks/trainer_rest/",
            "web": f"http://127.0.0.1:{self.ports.web}/healthz",
        }

    # -- lifecycle ------------------------------------------------------------------
    def start(self, components=("actions", "rasa", "web"), timeout: float = 180.0) -> "Stack":
        (self.var / "log").mkdir(parents=True, exist_ok=True)
        env = self._env()
        cmds = self.commands()
        for name in components:
            with open(self.log_path(name), "ab") as log:
                self.procs[name] = subprocess.Popen(
                    cmds[name], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
        for name in components:
            self.wait_healthy(name, timeout)
        return self

    def restart(self, name: str, timeout: float = 180.0) -> None:
        self.stop_one(name)
        self.start((name,), timeout)

    def wait_healthy(self, name: str, timeout: float = 180.0) -> None:
        url = self.health_urls()[name]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            proc = self.procs.get(name)
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}; see {self.log_path(name)}\n{self.tail(name)}")
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.5)
        raise TimeoutError(f"{name} not healthy at {url} after {timeout:.0f}s\n{self.tail(name)}")

    def log_path(self, name: str) -> Path:
        return self.var / "log" / f"{name}.{getattr(self.ports, name)}.log"

    def tail(self, name: str, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path(name).read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""

    def stop_one(self, name: str, timeout: float = 15.0) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        except ProcessLookupError:
            pass

    def stop(self) -> None:
        for name in ("web", "rasa", "actions"):
            self.stop_one(name)

    def __enter__(self) -> "Stack":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def free_ports(count: int) -> List[int]:
    """Distinct free TCP ports on 127.0.0.1: all sockets stay bound until every port is known."""
    import socket
    from contextlib import ExitStack

    with ExitStack() as stack:
        socks = [stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) for _ in range(count)]
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in socks]


def officer_token(officer_id: str, name: Optional[str] = None, unit: Optional[str] = None) -> str:
    """A chat token for ``officer_id``, signed with this machine's secret (server/identity.py)."""
    from server import identity

    return identity.issue(identity.Officer(officer_id, name, unit))


def rest_turn(rasa_port: int, token: str, text: str, timeout: float = 30.0, message_id: Optional[str] = None,
              host: str = "127.0.0.1") -> List[dict]:
    """Send one message over the trainer's REST channel as the token's officer; the bot's replies."""
    body: Dict[str, Any] = {"message": text}
    if message_id:
        body["message_id"] = message_id
    req = urllib.request.Request(
        f"http://{host}:{rasa_port}/webhooks/trainer_rest/webhook",
        data=json.dumps(body).encode(), headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return json.loads(resp.read())


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["run"])
    parser.add_argument("--web-port", type=int, default=8000)
    parser.add_argument("--rasa-port", type=int, default=5005)
    parser.add_argument("--actions-port", type=int, default=5055)
    parser.add_argument("--var", type=Path, default=ROOT / "var", help="logs, SQLite files, generated endpoints")
    args = parser.parse_args(argv)
    stack = Stack(ports=Ports(rasa=args.rasa_port, actions=args.actions_port, web=args.web_port), var=args.var)
    stopping = False

    def _stop(signum, _frame):
        nonlocal stopping
        if not stopping:
            stopping = True
            print("\n正在停止……", flush=True)
            stack.stop()
            sys.exit(0)

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        print("启动动作服务器、Rasa 服务器和练习页面（约 30 秒）……", flush=True)
        stack.start()
    except Exception as exc:  # noqa: BLE001 - report and clean up whatever started
        print(f"启动失败：{exc}", file=sys.stderr)
        stack.stop()
        return 1
    from server import identity

    invite = identity.issue(identity.Officer("demo-officer", "演示学员", "演示单位", pseudonymous=True),
                            audience=identity.INVITE_AUDIENCE)
    print(f"\n练习页面：http://127.0.0.1:{args.web_port}/?invite={invite}", flush=True)
    print("（演示学员的练习链接，12 小时有效。正式账号：python -m tools.manage create-officer；"
          f"教官控制台：http://127.0.0.1:{args.web_port}/console ）", flush=True)
    print(f"日志：{stack.var / 'log'}；按 Ctrl-C 停止。", flush=True)
    while True:
        for name, proc in list(stack.procs.items()):
            if proc.poll() is not None:
                print(f"{name} 意外退出（{proc.returncode}），见 {stack.log_path(name)}", file=sys.stderr)
                stack.stop()
                return 1
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
