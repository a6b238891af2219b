"""The practice page in a real browser, against the real stack.

An officer opens the page, starts 老同学的儿子闯红灯 from the scenario panel, refuses
firmly, and sees the turn's score and the counterpart's next move. Assertions are on
the DOM text; screenshots are saved for humans.
"""
from __future__ import annotations

from typing import List

import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC

from actions.trainer.scenarios import library
from tests.e2e.pages import until
from tests.e2e.conftest import MARKUP_PROBE_ID, MARKUP_PROBE_PERSONA, MARKUP_PROBE_TITLE
from tools.stack import ROOT

pytestmark = pytest.mark.e2e

WAIT = 60  # seconds; the machine is slow and shared
REFUSAL = "感谢您的理解，但法律面前人人平等，我们必须依法处理。如果您有异议，可以通过正规渠道申诉。"

BOT_TEXTS = "return Array.from(document.querySelectorAll('.rw-response .rw-message-text')).map(e => e.innerText);"


def bot_texts(driver) -> List[str]:
    """The bot's messages as rendered (innerText keeps the line breaks the page shows)."""
    return driver.execute_script(BOT_TEXTS)


def wait_for(driver, condition, what: str):
    """Wait for ``condition(driver)`` to be truthy; on timeout say what was on screen."""
    try:
        return until(driver, condition, WAIT, poll=0.5)
    except TimeoutException:
        shown = "\n---\n".join(bot_texts(driver))
        logs = "\n".join(str(entry) for entry in driver.get_log("browser"))
        pytest.fail(f"timed out after {WAIT}s waiting for {what}.\nBot messages:\n{shown}\nBrowser log:\n{logs}")


def greeted(driver) -> bool:
    return any("廉政情景训练" in t or "可选场景" in t for t in bot_texts(driver))


def open_page(driver, live_stack, officer_id: str = "browser-officer"):
    """Open the page through a coordinator's practice link (an invite token) for ``officer_id``."""
    from server import identity

    invite = identity.issue(identity.Officer(officer_id, "浏览器学员", "测试中队"), audience=identity.INVITE_AUDIENCE)
    driver.get(f"{live_stack.base_url}/?invite={invite}")
    wait_for(driver, EC.element_to_be_clickable((By.CSS_SELECTOR, "#webchat .rw-new-message")), "the chat input")
    assert "invite" not in driver.current_url  # the link is a credential: not left in the address bar


def test_sign_in_with_an_account_then_chat(live_stack, browser):
    from actions.records import accounts
    from actions.records.db import session_factory

    factory = session_factory(live_stack.stack.env["TRAINER_DATABASE_URL"])
    with factory() as s:
        accounts.create_officer(s, "jh-1024", "李警官", "交警二中队", password="correct horse")
        s.commit()
    browser.get(live_stack.base_url + "/")
    form = wait_for(browser, EC.visibility_of_element_located((By.ID, "sign-in")), "the sign-in form")
    assert not browser.find_element(By.ID, "webchat").is_displayed()  # no chat before signing in
    browser.find_element(By.ID, "officer-id").send_keys("jh-1024")
    browser.find_element(By.ID, "password").send_keys("wrong")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(browser, EC.visibility_of_element_located((By.ID, "sign-in-error")), "the sign-in error")
    browser.find_element(By.ID, "password").clear()
    browser.find_element(By.ID, "password").send_keys("correct horse")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(browser, EC.text_to_be_present_in_element((By.ID, "who-name"), "李警官（交警二中队）"), "the signed-in name")
    wait_for(browser, greeted, "the greeting or the scenario list")


def test_officer_refuses_and_the_counterpart_presses_on(live_stack, browser, capsys):
    scenarios = live_stack.get_json("/api/scenarios")
    red_light = next(s for s in scenarios if s["id"] == "favour_red_light")
    speaker = red_light["persona"]["name"] + "："  # 刘建国：

    open_page(browser, live_stack)
    # The widget's first payload ("你好") brings the greeting and/or the scenario list.
    wait_for(browser, greeted, "the greeting or the scenario list")

    button = wait_for(
        browser,
        EC.element_to_be_clickable((By.CSS_SELECTOR, f"#scenario-list button[data-number='{red_light['number']}']")),
        "the scenario panel",
    )
    button.click()

    def counterpart_lines(d) -> List[str]:
        return [t for t in bot_texts(d) if t.startswith(speaker)]

    opening = wait_for(browser, lambda d: counterpart_lines(d)[:1], f"the opening line ({speaker}…)")[0]

    # The briefing's newlines must show as line breaks, not run together.
    briefing = next(t for t in bot_texts(browser) if t.startswith("【情景简介】"))
    briefing_lines = [line.strip() for line in briefing.splitlines()]
    assert f"对方：{red_light['persona']['name']}（{red_light['persona']['relation']}）" in briefing_lines, briefing

    box = browser.find_element(By.CSS_SELECTOR, "#webchat .rw-new-message")
    box.send_keys(REFUSAL)
    box.send_keys(Keys.ENTER)

    wait_for(browser, lambda d: any(REFUSAL in t for t in d.execute_script(
        "return Array.from(document.querySelectorAll('.rw-client')).map(e => e.innerText);")), "the officer's reply")
    wait_for(browser, lambda d: any(t.startswith("〔本轮") for t in bot_texts(d)), "the per-turn score 〔本轮 …〕")
    lines = wait_for(browser, lambda d: len(counterpart_lines(d)) >= 2 and counterpart_lines(d),
                     f"the counterpart's next line ({speaker}… a second time)")
    assert lines[1] != opening, f"the counterpart repeated himself: {opening!r}"

    shot = live_stack.tmp / "practice_after_exchange.png"
    browser.save_screenshot(str(shot))
    with capsys.disabled():
        print(f"\nscreenshot: {shot}")


def test_scenario_panel_lists_every_scenario_as_text(live_stack, browser, capsys):
    scenarios = live_stack.get_json("/api/scenarios")
    assert len(scenarios) >= 15  # 14 real ones and the markup probe
    assert [s["number"] for s in scenarios] == list(range(1, len(scenarios) + 1))
    real = {s.id: number for number, s in enumerate(library(ROOT / "scenarios"), 1)}
    assert {s["id"]: s["number"] for s in scenarios if s["id"] != MARKUP_PROBE_ID} == real

    open_page(browser, live_stack, "panel-officer")
    wait_for(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#scenario-list button.scenario"))
             == len(scenarios), "the scenario panel")

    groups = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "#scenario-list .scenario-group h3")]
    assert [g.split("（")[0] for g in groups] == ["熟人说情", "利益诱惑"]
    shown = browser.execute_script(
        "return Array.from(document.querySelectorAll('#scenario-list button.scenario')).map(b => ({"
        "number: b.dataset.number, title: b.querySelector('.title').textContent,"
        "persona: b.querySelector('.persona').textContent}));"
    )
    assert [(int(s["number"]), s["title"]) for s in shown] == [(s["number"], s["title"]) for s in scenarios]

    # Markup in scenario text is shown as text: no element made from it, no script run.
    probe = next(s for s in shown if s["title"] == MARKUP_PROBE_TITLE)
    assert MARKUP_PROBE_PERSONA in probe["persona"]
    assert browser.find_elements(By.CSS_SELECTOR, "#scenario-list img, #scenario-list b, #scenario-list script") == []
    # The bot's own scenario list carries the probe's title through the widget's renderer.
    wait_for(browser, greeted, "the greeting or the scenario list")
    before = len(bot_texts(browser))
    browser.find_element(By.CSS_SELECTOR, "button.command[data-send='场景列表']").click()
    wait_for(browser, lambda d: any("可选场景" in t and "标记" in t for t in bot_texts(d)[before:]),
             "the bot's scenario list with the probe")
    assert browser.execute_script("return window.__injected === undefined;")
    assert browser.find_elements(By.CSS_SELECTOR, "#webchat img, #webchat script") == []

    shot = live_stack.tmp / "practice_panel.png"
    browser.save_screenshot(str(shot))
    browser.set_window_size(390, 844)  # a phone
    phone = live_stack.tmp / "practice_phone.png"
    browser.save_screenshot(str(phone))
    with capsys.disabled():
        print(f"\nscreenshots: {shot} {phone}")
