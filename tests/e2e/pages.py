"""Waiting on a page that a form submit or a script may be replacing under the reader."""
from __future__ import annotations

from typing import Any, Callable

from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, WebDriverException
from selenium.webdriver.support.ui import WebDriverWait

# A condition read while the page is being replaced finds stale or missing elements, or (Chrome)
# "Node with given id does not belong to the document": each means "not yet", not a failure.
_PAGE_CHANGING = (NoSuchElementException, StaleElementReferenceException)


def _settled(condition: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def check(driver):
        try:
            return condition(driver)
        except WebDriverException as exc:
            if "does not belong to the document" in str(exc):
                return False
            raise
    return check


def until(driver, condition: Callable[[Any], Any], timeout: float, poll: float) -> Any:
    """``condition(driver)`` once truthy; raises TimeoutException after ``timeout`` seconds."""
    return WebDriverWait(driver, timeout, poll_frequency=poll, ignored_exceptions=_PAGE_CHANGING).until(_settled(condition))
