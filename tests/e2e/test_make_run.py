"""`make run`'s entry point: prints the practice link, serves, and stops everything on Ctrl-C."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from tools.stack import DEFAULT_MODEL, ROOT, free_ports

pytestmark = pytest.mark.e2e


def listening(port: int) -> bool:
    out = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True).stdout
    return bool(out.strip())


def test_run_prints_the_link_serves_and_leaves_no_orphans_on_ctrl_c(tmp_path):
    if not DEFAULT_MODEL.is_file():
        pytest.skip("no trained model")
    from actions.records.migrate import upgrade

    db_url = f"sqlite:///{tmp_path / 'trainer.db'}"
    upgrade(db_url)
    rasa, actions, web = free_ports(3)
    env = dict(os.environ, TRAINER_DATABASE_URL=db_url)
    proc = subprocess.Popen(
        [sys.executable, "-m", "tools.stack", "run", "--web-port", str(web), "--rasa-port", str(rasa),
         "--actions-port", str(actions), "--var", str(tmp_path / "var")],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    link = None
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline and link is None:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                pytest.fail(f"tools.stack run exited with {proc.returncode}")
            if "练习页面：" in line:
                link = line.split("练习页面：", 1)[1].strip()
        assert link and link.startswith(f"http://127.0.0.1:{web}/?invite=")
        with urllib.request.urlopen(f"http://127.0.0.1:{web}/healthz", timeout=30) as resp:
            assert resp.status == 200
        assert all(listening(p) for p in (rasa, actions, web))
        proc.send_signal(signal.SIGINT)
        assert proc.wait(120) == 0
        time.sleep(1)
        assert not any(listening(p) for p in (rasa, actions, web)), "a server outlived Ctrl-C"
    finally:
        if proc.poll() is None:
            proc.kill()
