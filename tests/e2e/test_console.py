"""The coordinators' console in real headless Chromium, against the real web app.

Sessions are played through the real TrainerService (real scoring) into a fresh
records database. A coordinator signs in, filters the list, opens a transcript (the
evidence is highlighted, a reply with markup shows as text), overrides a score with a
reason, comments, sees the dashboard move and exports CSV; then the officer signs in
and reads the comment. Screenshots are saved for humans.
"""
from __future__ import annotations

import csv
import io
from types import SimpleNamespace

import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.e2e.pages import until
from tests.records.conftest import GIVE_IN, firm_replies, make_coordinator, make_officer, play, web_app

pytestmark = pytest.mark.e2e

WAIT = 30
MARKUP_REPLY = "<script>window.__injected=1</script>不行，这个我不能收，请您拿回去。"


@pytest.fixture(scope="module")
def console_site(tmp_path_factory):
    """The web app alone (the console needs no Rasa) over a records database with played sessions."""
    from actions.records import db
    from actions.records.migrate import upgrade

    tmp = tmp_path_factory.mktemp("console")
    url = f"sqlite:///{tmp / 'trainer.db'}"
    upgrade(url)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TRAINER_DATABASE_URL", url)
        make_coordinator("wang", "coach-password", "王教官")
        make_officer("o-a", "张警官", "交警一中队", password="officer-a-pass")
        make_officer("o-b", "李警官", "交警二中队", password="officer-b-pass")
        ids = {
            "a_pass": play("o-a", "favour_red_light", firm_replies("favour_red_light")),
            "a_markup": play("o-a", "gift_banquet", [MARKUP_REPLY]),
            "b_fail": play("o-b", "gift_shopping_card", [GIVE_IN]),
        }
        with web_app(url, tmp) as base:
            yield SimpleNamespace(base_url=base, ids=ids, tmp=tmp)
        db.engine_for(url).dispose()


def wait_for(driver, condition, what: str):
    try:
        return until(driver, condition, WAIT, poll=0.3)
    except TimeoutException:
        pytest.fail(f"timed out waiting for {what}; page {driver.current_url}:\n{driver.find_element(By.TAG_NAME, 'body').text[:2000]}")


def sign_in(driver, site, path: str, user: str, password: str) -> None:
    driver.get(site.base_url + path)
    wait_for(driver, lambda d: d.find_elements(By.NAME, "username"), "the sign-in form")
    driver.find_element(By.NAME, "username").send_keys(user)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()


def rate_of(driver, scenario_id: str) -> str:
    return driver.find_element(By.CSS_SELECTOR, f"#chart-scenario tr[data-scenario='{scenario_id}'] td.rate").text


def download(driver, link, folder):
    """Click an export link and return the downloaded file's text (the page's CSP forbids fetch())."""
    folder.mkdir(parents=True, exist_ok=True)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)})
    href = link.get_attribute("href")
    link.click()

    def finished(_d):
        done = [p for p in folder.iterdir() if not p.name.endswith(".crdownload")]
        return done[0] if done else None

    return wait_for(driver, finished, f"the download of {href}").read_text(encoding="utf-8-sig")


def test_a_coordinator_reviews_a_session_and_the_officer_sees_the_comment(console_site, browser, capsys):
    site, ids = console_site, console_site.ids
    shots = []

    # Anonymous: the console sends us to sign in.
    sign_in(browser, site, "/console/sessions", "wang", "coach-password")
    wait_for(browser, lambda d: d.find_elements(By.ID, "session-list"), "the session list after signing in")
    rows = browser.find_elements(By.CSS_SELECTOR, "#session-list tr.session-row")
    assert {r.get_attribute("data-session") for r in rows} == set(ids.values())

    # Filter: one officer.
    Select(browser.find_element(By.NAME, "officer")).select_by_value("o-a")
    browser.find_element(By.ID, "apply-filters").click()
    wait_for(browser, lambda d: "officer=o-a" in d.current_url, "the filtered list")
    rows = browser.find_elements(By.CSS_SELECTOR, "#session-list tr.session-row")
    assert {r.get_attribute("data-session") for r in rows} == {ids["a_pass"], ids["a_markup"]}
    assert all("张警官" in r.text for r in rows)

    # The transcript: evidence highlighted, markup shown as text and never run.
    browser.find_element(By.CSS_SELECTOR, f"tr[data-session='{ids['a_markup']}'] a.open-session").click()
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "article.turn"), "the transcript")
    reply = browser.find_element(By.CSS_SELECTOR, "article.turn .line.reply .text")
    assert "<script>window.__injected=1</script>" in reply.text
    assert reply.find_elements(By.TAG_NAME, "script") == []
    assert browser.execute_script("return window.__injected === undefined")
    marks = reply.find_elements(By.CSS_SELECTOR, "mark.ev")
    assert marks and any("不" in m.text for m in marks)
    assert "指南参考回答" in browser.find_element(By.CSS_SELECTOR, "article.turn .model-answer").text
    shots.append(site.tmp / "console_transcript.png")
    browser.save_screenshot(str(shots[-1]))

    # The dashboard before: nobody passed the shopping card.
    browser.get(site.base_url + "/console/dashboard")
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#chart-scenario svg"), "the dashboard charts")
    assert rate_of(browser, "gift_shopping_card") == "0%"

    # Override the officer B's session with a reason, and comment on its turn.
    browser.get(site.base_url + f"/console/sessions/{ids['b_fail']}")
    form = wait_for(browser, lambda d: d.find_element(By.ID, "session-override"), "the override form")
    score = form.find_element(By.NAME, "score")
    score.clear()
    score.send_keys("72")
    form.find_element(By.NAME, "reason").send_keys("复核：该学员随后已明确拒绝")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(browser, lambda d: "改分已保存" in d.find_element(By.TAG_NAME, "body").text, "the override to be saved")
    summary = browser.find_element(By.CSS_SELECTOR, ".session-score").text
    assert "72" in summary and "原" in summary and "通过" in summary
    turn = browser.find_element(By.CSS_SELECTOR, "article.turn")
    turn.find_element(By.CSS_SELECTOR, ".comment-form input[name=comment]").send_keys("收卡就是受贿，第一句就要拒绝。")
    turn.find_element(By.CSS_SELECTOR, ".comment-form button[type=submit]").click()
    wait_for(browser, lambda d: "收卡就是受贿" in d.find_element(By.CSS_SELECTOR, "article.turn .notes").text,
             "the comment under the turn")
    shots.append(site.tmp / "console_after_override.png")
    browser.save_screenshot(str(shots[-1]))

    # The dashboard after: the override counts.
    browser.get(site.base_url + "/console/dashboard")
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#chart-scenario svg"), "the dashboard charts")
    assert rate_of(browser, "gift_shopping_card") == "100%"
    shots.append(site.tmp / "console_dashboard.png")
    browser.save_screenshot(str(shots[-1]))

    # Export CSV with the browser's session, and read it.
    browser.get(site.base_url + "/console/sessions")
    text = download(browser, browser.find_element(By.ID, "export-sessions"), site.tmp / "downloads")
    rows = list(csv.DictReader(io.StringIO(text)))
    row = next(r for r in rows if r["session_id"] == ids["b_fail"])
    assert (row["score"], row["passed"], row["override_score"]) == ("72", "1", "72")
    assert float(row["move_refusal"]) == 0.0 and row["officer_name"] == "李警官"

    # Sign out; the officer signs in and reads the comment, but not the other officer's session.
    browser.find_element(By.CSS_SELECTOR, ".signout button").click()
    wait_for(browser, lambda d: "/console/login" in d.current_url, "the sign-in page after signing out")
    sign_in(browser, site, "/me", "o-b", "officer-b-pass")
    wait_for(browser, lambda d: d.find_elements(By.ID, "my-sessions"), "the officer's own list")
    assert {r.get_attribute("data-session") for r in browser.find_elements(By.CSS_SELECTOR, "tr.session-row")} == {ids["b_fail"]}
    browser.find_element(By.CSS_SELECTOR, "a.open-session").click()
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "article.turn"), "the officer's transcript")
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "收卡就是受贿，第一句就要拒绝。" in body and "复核：该学员随后已明确拒绝" in body
    assert not browser.find_elements(By.CSS_SELECTOR, "form.override-form")  # officers read, never change
    shots.append(site.tmp / "officer_sees_comment.png")
    browser.save_screenshot(str(shots[-1]))
    browser.get(site.base_url + f"/me/sessions/{ids['a_pass']}")
    assert "找不到该训练记录" in browser.find_element(By.TAG_NAME, "body").text
    browser.get(site.base_url + "/console/sessions")
    assert "无权" in browser.find_element(By.TAG_NAME, "body").text
    with capsys.disabled():
        print("\nscreenshots: " + " ".join(str(p) for p in shots))
