"""End-to-end fixtures: the real stack (action server, Rasa server, web app) and headless Chromium.

The stack is started once per session, the way ``make run`` starts it
(``tools.stack.Stack``), on free ports, with its records database, tracker store,
logs and scenario library in a temporary directory. Each test gets a fresh browser
profile.
"""
from __future__ import annotations

import json
import shutil
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from tools.stack import DEFAULT_MODEL, ROOT, Ports, Stack, free_ports

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
)

# A scenario whose texts are markup, added to a copy of the real library: the page
# must show it as text. It sorts last, so the real scenarios keep their numbers.
MARKUP_PROBE_ID = "gift_zz_markup_probe"
MARKUP_PROBE_TITLE = '<img src="x" onerror="window.__injected=1">标记<b>测试</b>'
MARKUP_PROBE_PERSONA = "<script>window.__injected=2</script>张三"


def scenario_library_with_probe(target: Path) -> Path:
    """Copy the real scenarios to ``target`` and add the markup probe."""
    shutil.copytree(ROOT / "scenarios", target)
    probe = yaml.safe_load((ROOT / "scenarios" / "favour_red_light.yml").read_text(encoding="utf-8"))
    probe.update(id=MARKUP_PROBE_ID, kind="gift", title=MARKUP_PROBE_TITLE)
    if "order" in probe:  # position within its kind; the id breaks ties
        probe["order"] = 1_000_000
    probe["persona"] = dict(probe["persona"], name=MARKUP_PROBE_PERSONA)
    (target / f"{MARKUP_PROBE_ID}.yml").write_text(yaml.safe_dump(probe, allow_unicode=True), encoding="utf-8")
    return target


@dataclass
class LiveStack:
    stack: Stack
    tmp: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.stack.ports.web}"

    def get_json(self, path: str) -> Any:
        with urllib.request.urlopen(self.base_url + path, timeout=30) as resp:
            return json.loads(resp.read().decode("utf-8"))


@pytest.fixture(scope="session")
def live_stack(tmp_path_factory) -> Iterator[LiveStack]:
    if not DEFAULT_MODEL.is_file():
        pytest.skip(f"no trained model at {DEFAULT_MODEL}: run `make test` (it trains one) or `rasa train`")
    from actions.records.migrate import upgrade

    tmp = tmp_path_factory.mktemp("stack")
    db_url = f"sqlite:///{tmp / 'trainer.db'}"
    upgrade(db_url)
    rasa, actions, web = free_ports(3)
    stack = Stack(
        ports=Ports(rasa=rasa, actions=actions, web=web),
        var=tmp,
        env={
            "TRAINER_SEED": "7",
            "TRAINER_DATABASE_URL": db_url,
            "TRAINER_SCENARIO_DIR": str(scenario_library_with_probe(tmp / "scenarios")),
        },
    )
    try:
        # The machine is slow and shared: Rasa alone takes ~25 s to load the model.
        stack.start(timeout=300)
        yield LiveStack(stack=stack, tmp=tmp)
    finally:
        stack.stop()
        print(f"\nstack logs: {tmp / 'log'}")


@pytest.fixture
def browser(tmp_path):
    """Headless Chromium with a fresh profile, driven through Debian's chromedriver."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not path.exists():
            pytest.skip(f"{path} missing: apt-get install chromium chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    options.add_argument("--window-size=1280,900")
    options.add_argument("--lang=zh-CN")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=str(CHROMEDRIVER), log_output=str(tmp_path / "chromedriver.log"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
