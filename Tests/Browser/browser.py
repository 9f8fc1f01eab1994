"""Headless Chromium (Debian's chromium and chromium-driver) driven through WebDriver, set up so
that it reaches nothing but 127.0.0.1: every host name resolves to nothing, and Chromium's own
background traffic (updates, sync, metrics) is switched off."""
import json
import os

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

DEADLINE = 30  # seconds for any one thing to appear; generous for a loaded 2-core machine

CHROMIUM = os.environ.get("COMMANDHUB_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("COMMANDHUB_CHROMEDRIVER", "/usr/bin/chromedriver")

ISOLATION = [
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    "--no-proxy-server",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--no-first-run",
    "--no-default-browser-check",
    "--metrics-recording-only",
    "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication",
]


def start():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1440,1000", *ISOLATION]:
        options.add_argument(argument)
    # A dialog (an injected alert) stays open, so the scenario sees it instead of WebDriver closing it.
    options.set_capability("unhandledPromptBehavior", "ignore")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(DEADLINE)
    driver.set_script_timeout(DEADLINE)
    return driver


def wait(driver, condition, what, timeout=DEADLINE):
    """Waits until `condition(driver)` is truthy and returns it; fails naming `what`."""
    return WebDriverWait(driver, timeout, poll_frequency=0.1, ignored_exceptions=(Exception,)).until(
        condition, message=f"waited {timeout} s for {what}"
    )


def css(driver, selector):
    return driver.find_elements(By.CSS_SELECTOR, selector)


def text(element):
    """An element's text exactly as the DOM holds it (not as rendered)."""
    return element.get_property("textContent")


def no_dialog_opened(driver, logs):
    """Fails if an alert/confirm/prompt is open now or ever opened on this page."""
    try:
        alert = driver.switch_to.alert
        raise AssertionError(f"a dialog is open: {alert.text!r}")
    except NoAlertPresentException:
        pass
    opened = [entry for entry in logs.performance() if '"Page.javascriptDialogOpening"' in entry]
    assert not opened, f"a dialog opened: {opened[:2]}"


class Logs:
    """The browser's console and network logs, collected as they are read (reading empties them)."""

    def __init__(self, driver):
        self.driver = driver
        self.console = []
        self.network = []

    def browser(self):
        self.console += self.driver.get_log("browser")
        return self.console

    def performance(self):
        self.network += [entry["message"] for entry in self.driver.get_log("performance")]
        return self.network

    def requested_urls(self):
        urls = []
        for message in self.performance():
            event = json.loads(message)["message"]
            if event.get("method") == "Network.requestWillBeSent":
                urls.append(event["params"]["request"]["url"])
        return urls

    def assert_policy_kept(self):
        """No Content-Security-Policy or Trusted Types violation and no uncaught script error."""
        bad = [
            entry["message"] for entry in self.browser()
            if any(mark in entry["message"] for mark in ("Content Security Policy", "Refused to", "TrustedHTML", "Trusted Type", "Uncaught"))
        ]
        assert not bad, f"the page reported: {bad[:3]}"
