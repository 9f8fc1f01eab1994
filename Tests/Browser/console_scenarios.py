#!/usr/bin/env python3
"""The operator console in a real browser against a real `commandhub demo`.

One scenario per run (`--scenario NAME`), started by Tests/IntegrationTests/ConsoleBrowserTests.swift
with the demo's address and the login it printed. Each step waits for what a person would see
(explicit waits, 30 s deadlines, no sleeps) and checks the hub's own record through the REST API
beside it. Prints `PASS <scenario>` and exits 0, or prints what failed (and saves a screenshot
of the failure in --artifacts) and exits 1.
"""
import argparse
import json
import os
import signal
import sys
import traceback

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

import browser
from browser import css, text, wait
from hub import Hub
from proxy import DroppingProxy

ADMIN = "demo-admin"


def step(message):
    print(f"step: {message}", flush=True)


def log_in(driver, origin, username, password):
    driver.get(f"{origin}/ui/")
    wait(driver, lambda d: css(d, "#username"), "the login form")
    css(driver, "#username")[0].send_keys(username)
    css(driver, "#password")[0].send_keys(password)
    css(driver, "#login-submit")[0].click()
    wait(driver, lambda d: css(d, "#fleet-table"), "the fleet table after logging in")


def row(driver, name):
    """The fleet table's row of the agent named `name`, compared as text."""
    for candidate in css(driver, "#fleet-table tbody tr"):
        link = candidate.find_elements(By.CSS_SELECTOR, "a.agent-name")
        if link and text(link[0]) == name:
            return candidate
    return None


def cell(driver, name, field):
    found = row(driver, name)
    if not found:
        return None
    cells = found.find_elements(By.CSS_SELECTOR, f'td[data-field="{field}"]')
    return text(cells[0]) if cells else None


def wait_status(driver, name, status):
    wait(driver, lambda d: cell(d, name, "status") == status, f"{name} shown as {status}")


def demo_agents(driver):
    names = ["crypto-bot-001", "crypto-bot-002", "crypto-bot-003"]
    wait(driver, lambda d: all(cell(d, name, "status") == "ACTIVE" for name in names), "the demo's three agents, ACTIVE")
    return names


# Scenarios ---------------------------------------------------------------------------------

def operator(driver, logs, args):
    """Log in; see the fleet; pause one and see it change without a reload; see a change made
    elsewhere arrive live; resume all matching a selector; preview then confirm a sell (with a
    double click) and find exactly one fill in the history."""
    hub = Hub(args.hub)
    step("log in as the demo's admin")
    log_in(driver, args.hub, ADMIN, args.password)
    demo_agents(driver)
    driver.execute_script("window.__sameDocument = 'yes'")

    step("pause crypto-bot-001 from its row")
    paused = row(driver, "crypto-bot-001").find_element(By.CSS_SELECTOR, 'button.action[data-action="pause"]')
    paused.click()
    wait_status(driver, "crypto-bot-001", "PAUSED")
    wait(driver, lambda d: any("crypto-bot-001" in text(li) and "done" in text(li) for li in css(d, 'ol.activity li[data-action="pause"]')),
         "the pause's outcome in the activity list")

    step("pause crypto-bot-002 through the API, not the page: the table follows the event stream")
    bot2 = hub.agent_id(args.token, "crypto-bot-002")
    status, answer = hub.post(f"/api/crypto/commands/{bot2}/pause/", args.token)
    assert status == 200 and answer["command_result"]["current_status"] == "PAUSED", (status, answer)
    wait_status(driver, "crypto-bot-002", "PAUSED")
    assert driver.execute_script("return window.__sameDocument") == "yes", "the page was reloaded"
    wait(driver, lambda d: [text(b) for b in css(d, '#counts [data-status="PAUSED"] b')] == ["2"], "2 PAUSED in the counts by status")
    wait(driver, lambda d: css(d, "svg.outcomes rect.bar"), "the outcome chart's bars")
    save(driver, args, "fleet.png")

    step("resume all agents matching venue!=coinbase")
    selector = css(driver, "#selector")[0]
    selector.clear()
    selector.send_keys("venue!=coinbase", Keys.ENTER)
    wait(driver, lambda d: len(css(d, "#fleet-table tbody tr")) == 2 and row(d, "crypto-bot-003") is None, "the two agents the selector matches")
    css(driver, 'button.bulk[data-bulk="resume_all"][data-target="matching"]')[0].click()
    wait(driver, lambda d: "venue!=coinbase" in text(css(d, "#bulk-confirm")[0]), "the confirmation naming the selector")
    css(driver, "#bulk-confirm-yes")[0].click()
    totals = wait(driver, lambda d: css(d, "#bulk-totals"), "the bulk action's totals")[0]
    assert text(totals).startswith("2 targeted, 2 succeeded, 0 failed, 0 timed out"), text(totals)
    states = [r.get_attribute("data-state") for r in css(driver, "#bulk-result tbody tr")]
    assert states == ["acknowledged", "acknowledged"], states
    wait_status(driver, "crypto-bot-001", "ACTIVE")
    wait_status(driver, "crypto-bot-002", "ACTIVE")

    step("the bulk action's job page")
    job_link = totals.find_element(By.CSS_SELECTOR, "a")
    job_link.click()
    wait(driver, lambda d: css(d, "#job-totals") and text(css(d, "#job-totals")[0]).startswith("2 targeted, 2 succeeded"), "the job's totals")
    assert len(css(driver, "#job tbody tr")) == 2

    step("back to the whole fleet")
    driver.get(f"{args.hub}/ui/#/fleet")
    selector = wait(driver, lambda d: css(d, "#selector"), "the fleet page")[0]
    selector.clear()
    selector.send_keys(Keys.ENTER)
    demo_agents(driver)

    step("sync crypto-bot-003's wallets from its page; amounts are the hub's strings exactly")
    row(driver, "crypto-bot-003").find_element(By.CSS_SELECTOR, "a.agent-name").click()
    wait(driver, lambda d: css(d, "#agent h2.agent-name") and text(css(d, "#agent h2.agent-name")[0]) == "crypto-bot-003", "the agent page")
    css(driver, '#agent button.action[data-action="sync_wallets"]')[0].click()
    wait(driver, lambda d: css(d, '#wallet-table tr[data-asset="BTC"]'), "the BTC wallet")
    bot3 = hub.agent_id(args.token, "crypto-bot-003")
    status, wallets = hub.get(f"/api/crypto/commands/{bot3}/wallets/", args.token)
    assert status == 200 and wallets["wallets"], wallets
    for wallet in wallets["wallets"]:
        # The page re-reads its wallets when the sync's event arrives: compare what it shows then.
        selector = f'#wallet-table tr[data-asset="{wallet["asset"]}"] td[data-field="free"]'
        wait(driver, lambda d: [text(e) for e in css(d, selector)] == [wallet["free"]], f"{wallet['asset']} shown as {wallet['free']!r}")

    step("preview a sell of 0.01 BTC, then confirm it with a double click")
    css(driver, "#sell-asset")[0].send_keys("BTC")
    css(driver, "#sell-quantity")[0].send_keys("0.01")
    css(driver, "#sell-preview")[0].click()
    preview = wait(driver, lambda d: css(d, "#sell-preview-result"), "the sell preview")[0]
    shown = text(preview)
    for field in ("Price", "Gross", "Fee", "Net", "Limits hit"):
        assert field in shown, shown
    key = text(css(driver, "#sell-key")[0])
    ActionChains(driver).double_click(css(driver, "#sell-confirm")[0]).perform()
    fill = wait(driver, lambda d: css(d, "#sell-fill"), "the fill")[0]
    assert "0.01 BTC" in text(fill), text(fill)

    step("the history shows exactly one fill, made with the page's idempotency key")
    driver.get(f"{args.hub}/ui/#/history?client_id={bot3}&action=sell")
    wait(driver, lambda d: css(d, "#history-results table.history"), "the history table")
    fills = css(driver, '#history-results tr[data-fill="yes"]')
    assert len(fills) == 1, f"{len(fills)} fills shown"
    status, page = hub.get(f"/api/crypto/history/?client_id={bot3}&action=sell", args.token)
    executed = [item for item in page["items"] if item["parameters"].get("preview") is False]
    assert len(executed) == 1, executed
    assert executed[0]["idempotency_key"] == key and executed[0]["result"]["fill"], executed[0]
    logs.assert_policy_kept()


def viewer(driver, logs, args):
    """A viewer sees the fleet but no action anywhere; the hub refuses the viewer's token for
    commands; logout ends the session; a token the hub refuses sends the page back to login."""
    hub = Hub(args.hub)
    password = "viewer-password-0123"
    step("create a viewer account through the admin API")
    status, body = hub.post("/api/admin/operators/", args.token, {"name": "console-viewer", "role": "viewer", "password": password})
    assert status == 201, (status, body)
    log_in(driver, args.hub, "console-viewer", password)
    demo_agents(driver)
    assert "console-viewer (viewer)" in text(css(driver, "#who")[0])
    for selector in ("button.action", "button.bulk", "input.select", "#symbols", "#bulk-confirm-yes"):
        assert not css(driver, selector), f"a viewer sees {selector}"

    step("the agent page has no commands and no sell form")
    row(driver, "crypto-bot-001").find_element(By.CSS_SELECTOR, "a.agent-name").click()
    wait(driver, lambda d: css(d, "#wallets h3"), "the agent page")
    assert not css(driver, "button.action") and not css(driver, "#sell"), "a viewer sees commands"

    step("the viewer's own token, taken from the page, is refused for a pause and a sell")
    token = json.loads(driver.execute_script("return sessionStorage.getItem('commandhub.session')"))["token"]
    bot1 = hub.agent_id(token, "crypto-bot-001")
    status, body = hub.post(f"/api/crypto/commands/{bot1}/pause/", token)
    assert status == 403 and body["error"] == "forbidden", (status, body)
    status, body = hub.post(f"/api/crypto/commands/{bot1}/sell/", token, {"asset": "BTC", "quantity": "0.01", "preview": True})
    assert status == 403, (status, body)
    assert "token" not in driver.current_url and token not in driver.current_url

    step("log out: the login form, and nothing left in storage")
    css(driver, "#logout")[0].click()
    wait(driver, lambda d: css(d, "#login"), "the login form after logout")
    assert driver.execute_script("return sessionStorage.length") == 0

    step("a token the hub refuses sends the page back to the login form")
    log_in(driver, args.hub, "console-viewer", password)
    driver.execute_script("""
        const s = JSON.parse(sessionStorage.getItem('commandhub.session'));
        s.token = s.token.slice(0, -4) + 'AAAA';
        sessionStorage.setItem('commandhub.session', JSON.stringify(s));""")
    driver.refresh()
    wait(driver, lambda d: css(d, "#login-message") and "Log in again" in text(css(d, "#login-message")[0]), "the login form saying why")
    logs.assert_policy_kept()


def hostile(driver, logs, args):
    """An agent whose name and labels are HTML and script shows them as text: the DOM holds the
    literal strings, no element was made from them, no dialog opened, no script ran."""
    expected = json.loads(args.hostile)
    name, labels = expected["name"], expected["labels"]
    step("log in; the hostile agent is in the table")
    log_in(driver, args.hub, ADMIN, args.password)
    wait(driver, lambda d: row(d, name) is not None, f"a row named {name!r}")
    found = row(driver, name)
    chips = [text(chip) for chip in found.find_elements(By.CSS_SELECTOR, 'td[data-field="labels"] .chip')]
    assert chips == sorted(f"{k}={v}" for k, v in labels.items()), chips
    assert not css(driver, "#fleet-table img, #fleet-table script, #fleet-table svg, #fleet-table b"), "markup from an agent became elements"

    step("its page, its ping in the activity list, the text filter")
    found.find_element(By.CSS_SELECTOR, "a.agent-name").click()
    wait(driver, lambda d: css(d, "#agent h2.agent-name") and text(css(d, "#agent h2.agent-name")[0]) == name, "the agent page's title")
    assert name in driver.title
    css(driver, '#agent button.action[data-action="ping"]')[0].click()
    wait(driver, lambda d: any(name in text(li) for li in css(d, 'ol.activity li[data-action="ping"]')), "the ping in the activity list")
    assert not css(driver, "#agent img, #agent script, #agent svg, #agent b"), "markup from an agent became elements"
    driver.get(f"{args.hub}/ui/#/fleet")
    box = wait(driver, lambda d: css(d, "#text-filter"), "the fleet page")[0]
    box.send_keys("<img")
    wait(driver, lambda d: len(css(d, "#fleet-table tbody tr")) == 1 and row(d, name) is not None, "the text filter matching the name")

    step("no dialog, no script")
    browser.no_dialog_opened(driver, logs)
    assert driver.execute_script("return window.__xss === undefined"), "an injected script ran"
    logs.assert_policy_kept()


def reconnect(driver, logs, args):
    """The event stream is cut (a proxy between browser and hub closes it and refuses new
    connections) while an agent is paused elsewhere; once the network is back, the page
    reconnects by itself — sending Last-Event-ID — and its table catches up."""
    hub = Hub(args.hub)
    proxy = DroppingProxy(int(args.hub.rsplit(":", 1)[1]))
    origin = f"http://127.0.0.1:{proxy.port}"
    try:
        step("log in through the proxy; the stream is live")
        log_in(driver, origin, ADMIN, args.password)
        demo_agents(driver)
        wait(driver, lambda d: css(d, '#stream[data-state="live"]'), "the live indicator")
        before = css(driver, "#stream")[0].get_attribute("data-last-event-id")
        bot1 = hub.agent_id(args.token, "crypto-bot-001")
        status, _ = hub.post(f"/api/crypto/commands/{bot1}/ping/", args.token)
        assert status == 200
        wait(driver, lambda d: css(d, "#stream")[0].get_attribute("data-last-event-id") not in (None, before), "the ping's event")

        step("cut the connection")
        proxy.drop()
        wait(driver, lambda d: css(d, '#stream[data-state="reconnecting"]'), "the page noticing the drop")
        bot2 = hub.agent_id(args.token, "crypto-bot-002")
        status, answer = hub.post(f"/api/crypto/commands/{bot2}/pause/", args.token)
        assert status == 200 and answer["command_result"]["current_status"] == "PAUSED", answer
        assert cell(driver, "crypto-bot-002", "status") == "ACTIVE", "the page saw an event it could not have received"

        step("restore it: the page reconnects and catches up")
        proxy.restore()
        wait(driver, lambda d: css(d, '#stream[data-state="live"]'), "the live indicator again")
        wait_status(driver, "crypto-bot-002", "PAUSED")
        heads = proxy.event_stream_heads()
        assert len(heads) >= 2, heads
        assert "last-event-id:" in heads[-1].lower(), f"the reconnect did not send Last-Event-ID:\n{heads[-1]}"
        assert "authorization: bearer" in heads[-1].lower()

        step("and follows live events again")
        status, _ = hub.post(f"/api/crypto/commands/{bot2}/resume/", args.token)
        assert status == 200
        wait_status(driver, "crypto-bot-002", "ACTIVE")
        logs.assert_policy_kept()
    finally:
        proxy.close()


def docs(driver, logs, args):
    """/docs renders the API's operations from the hub alone: every host name but 127.0.0.1
    resolves to nothing, and every request the page made went to the hub."""
    hub = Hub(args.hub)
    step("the network beyond the hub is blocked")
    try:
        driver.get("https://unpkg.com/swagger-ui-dist@5/swagger-ui.css")
        reached = "ERR_NAME_NOT_RESOLVED" not in driver.page_source
    except WebDriverException as error:
        reached = "ERR_NAME_NOT_RESOLVED" not in str(error)
    assert not reached, "unpkg.com was reachable"

    step("/docs without logging in")
    status, document = hub.get("/openapi.json")
    assert status == 200
    operations = [(method.upper(), path) for path, item in document["paths"].items()
                  for method in item if method in ("get", "post", "put", "patch", "delete")]
    driver.get(f"{args.hub}/docs")
    wait(driver, lambda d: len(css(d, "details.operation")) == len(operations), f"{len(operations)} operations")
    shown = {(o.get_attribute("data-method"), o.get_attribute("data-path")) for o in css(driver, "details.operation")}
    assert shown == set(operations), set(operations) ^ shown
    pause = css(driver, 'details.operation[data-method="POST"][data-path="/api/crypto/commands/{client_id}/pause/"]')[0]
    pause.find_element(By.CSS_SELECTOR, "summary").click()
    wait(driver, lambda d: "client_id" in text(pause) and pause.find_elements(By.CSS_SELECTOR, "form.try"), "the pause operation's parameters")
    assert css(driver, "#schema-ClientSummary"), "the schemas"
    logs.assert_policy_kept()

    step("try it, logged in: list the clients")
    log_in(driver, args.hub, ADMIN, args.password)
    driver.get(f"{args.hub}/docs")
    listing = wait(driver, lambda d: css(d, 'details.operation[data-method="GET"][data-path="/api/crypto/commands/"]'), "the list operation")[0]
    listing.find_element(By.CSS_SELECTOR, "summary").click()
    wait(driver, lambda d: listing.find_elements(By.CSS_SELECTOR, "form.try button"), "its try-it form")[0].click()
    wait(driver, lambda d: listing.find_elements(By.CSS_SELECTOR, "pre.response") and "crypto-bot-001" in text(listing.find_element(By.CSS_SELECTOR, "pre.response")),
         "the answer, with the demo's agents")
    assert text(listing.find_element(By.CSS_SELECTOR, ".try-output strong")).startswith("200")

    step("every request went to the hub")
    foreign = [url for url in logs.requested_urls() if not (url.startswith(args.hub) or url.startswith("data:") or "unpkg.com" in url)]
    assert not foreign, foreign
    logs.assert_policy_kept()


SCENARIOS = {"operator": operator, "viewer": viewer, "hostile": hostile, "reconnect": reconnect, "docs": docs}


def save(driver, args, name):
    os.makedirs(args.artifacts, exist_ok=True)
    path = os.path.join(args.artifacts, name)
    driver.save_screenshot(path)
    print(f"screenshot: {path}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", required=True, choices=sorted(SCENARIOS))
    parser.add_argument("--hub", required=True, help="the demo's REST origin, http://127.0.0.1:PORT")
    parser.add_argument("--password", required=True, help="demo-admin's password, as the demo printed it")
    parser.add_argument("--token", required=True, help="demo-admin's token, as the demo printed it")
    parser.add_argument("--hostile", default="{}", help='JSON {"name", "labels"} of the hostile agent')
    parser.add_argument("--artifacts", required=True, help="where screenshots go")
    args = parser.parse_args()
    # Stopped by the test (a failure elsewhere, its time limit): still close the browser.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    driver = browser.start()
    logs = browser.Logs(driver)
    try:
        SCENARIOS[args.scenario](driver, logs, args)
        print(f"PASS {args.scenario}", flush=True)
        return 0
    except Exception:
        traceback.print_exc()
        try:
            save(driver, args, f"failed-{args.scenario}.png")
            print("console:", json.dumps(logs.browser()[-10:], indent=1), flush=True)
        except Exception:
            pass
        print(f"FAIL {args.scenario}", flush=True)
        return 1
    finally:
        driver.quit()


if __name__ == "__main__":
    sys.exit(main())
