#!/usr/bin/env python3
"""The query playground in a real browser: Debian's Chromium, headless,
driven through chromedriver by Selenium (python3-selenium), against a real
sitod started here on free ports.

Proves, as an analyst would see it:
  * a broken query shows the caret message under the right column and an
    underline in the editor while it is typed;
  * a good query, with pasted posts, shows which posts match, with the
    matched words marked and the topic's tags and rule applied, and the
    same mentions `sito match` gives for the same topic and posts;
  * "Save as topic" stores it (the topic list then has it);
  * the API refuses a missing token (401), a non-admin token (403), and the
    page names nothing from elsewhere (no CDN).

Usage: playground_test.py SITOD SITO [SCREENSHOT_DIR]
Exits 77 (ctest: skipped) when Chromium, chromedriver or Selenium is
missing, unless CI is set (then a missing prerequisite is a failure).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

SKIP = 77


def prerequisites():
    missing = [p for p in ("/usr/bin/chromium", "/usr/bin/chromedriver") if not os.path.exists(p)]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("python3-selenium")
    if missing:
        msg = "playground_test: missing " + ", ".join(missing) + " (ops/setup installs them)"
        if os.environ.get("CI"):
            print(msg + "; CI is set, so this is a failure", file=sys.stderr)
            sys.exit(1)
        print(msg + "; skipped", file=sys.stderr)
        sys.exit(SKIP)


prerequisites()
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from sitod_child import SitodChild, sha256  # noqa: E402
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

ADMIN = "playground-admin-token"
SUBSCRIBER = "playground-subscriber-token"

TOPICS = """
tenant: acme
topics:
  - id: delivery
    name: Доставка
    query: 'доставк* OR курьер*'
    tags:
      - {path: "Тачпоинт/Доставка", query: 'доставк*'}
    rules:
      - {name: late, when: 'опоздал*', then: {sentiment: negative, add_tags: ["Риск/Опоздание"]}}
"""

POSTS = [
    {"id": "p1", "text": "Курьер опоздал на два часа, доставка сорвана", "source": "vk", "lang": "ru"},
    {"id": "p2", "text": "Погода сегодня отличная", "source": "vk", "lang": "ru"},
    {"id": "p3", "title": "Отзыв", "text": "Быструю доставку хвалю", "source": "otzovik", "lang": "ru"},
]


def start_sitod(sitod, work):
    topics = os.path.join(work, "topics.yaml")
    with open(topics, "w", encoding="utf-8") as f:
        f.write(TOPICS)
    config = os.path.join(work, "sitod.yaml")
    with open(config, "w", encoding="utf-8") as f:
        f.write(f"""listen: 127.0.0.1:0
http: {{listen: 127.0.0.1:0, playground: on}}
data_dir: {work}/data
tenants:
  - name: acme
    topics_file: {topics}
    tokens:
      - {{sha256: {sha256(ADMIN)}, role: admin}}
      - {{sha256: {sha256(SUBSCRIBER)}, role: subscriber}}
""")
    child = SitodChild(sitod, config, os.path.join(work, "sitod.log"))
    child.start(60)
    return child


def http(port, method, path, token=None, body=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                 data=None if body is None else json.dumps(body).encode())
    if token:
        req.add_header("Authorization", "Bearer " + token)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), dict(e.headers)


def expect(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok:", what)


def sito_match(sito, work, query):
    topics = os.path.join(work, "try.yaml")
    doc = TOPICS.replace("'доставк* OR курьер*'", "'" + query + "'")
    with open(topics, "w", encoding="utf-8") as f:
        f.write(doc)
    posts = os.path.join(work, "posts.jsonl")
    with open(posts, "w", encoding="utf-8") as f:
        f.write("\n".join(json.dumps(p, ensure_ascii=False) for p in POSTS) + "\n")
    out = subprocess.run([sito, "match", "--topics", topics, "--posts", posts], capture_output=True, text=True, check=True)
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def main():
    sitod, sito = sys.argv[1], sys.argv[2]
    shots = sys.argv[3] if len(sys.argv) > 3 else os.environ.get("SITO_SCREENSHOT_DIR")
    work = tempfile.mkdtemp(prefix="sito-playground-")
    child = start_sitod(sitod, work)
    port = child.http_port
    driver = None
    try:
        # --- the API's doors ---------------------------------------------------
        status, body, _ = http(port, "POST", "/api/v1/validate", body={"query": "x"})
        expect(status == 401, "the API without a token answers 401")
        status, body, _ = http(port, "POST", "/api/v1/validate", SUBSCRIBER, {"query": "x"})
        expect(status == 403, "a subscriber's token gets 403")
        status, body, headers = http(port, "GET", "/playground")
        expect(status == 200 and "<title>sito query playground</title>" in body, "the page is served")
        expect("http://" not in body and "https://" not in body, "the page loads nothing from elsewhere")
        expect("default-src 'self'" in headers.get("Content-Security-Policy", ""), "and says so in its CSP")

        # --- the browser --------------------------------------------------------
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--window-size=1400,1000", "--lang=ru"):
            options.add_argument(arg)
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        wait = WebDriverWait(driver, 60)  # generous: sanitizer builds are slow
        driver.get(f"http://127.0.0.1:{port}/playground")
        driver.find_element(By.ID, "token").send_keys(ADMIN)
        driver.find_element(By.CSS_SELECTOR, "#login button").click()
        wait.until(lambda d: "tenant acme" in d.find_element(By.ID, "whoami").text)
        expect(True, "connected with the admin token: " + driver.find_element(By.ID, "whoami").text)

        query = driver.find_element(By.ID, "query")
        broken = "доставка AND (курьер"
        query.send_keys(broken)

        def caret_message(d):
            # The editor validates as it is typed: wait for the answer about the whole text.
            errors = d.find_elements(By.CSS_SELECTOR, "#diagnostics .error")
            return errors and errors[0].text.split("\n")[0] == broken and errors[0].text

        message = wait.until(caret_message)
        lines = message.split("\n")
        expect(len(lines) >= 2 and "^" in lines[1], f"the caret message shows the line and a caret: {message!r}")
        expect("error" in lines[1], "and the error: " + lines[1].strip())
        underlined = driver.find_elements(By.CSS_SELECTOR, "#query-marks .error")
        expect(len(underlined) == 1, "the error's span is underlined in the editor")
        caret_column = lines[1].index("^")
        expect(caret_column >= len("доставка AND "), "the caret points into the unbalanced group")
        if shots:
            driver.save_screenshot(os.path.join(shots, "playground-error.png"))

        query.clear()
        good = "доставк* OR курьер*"
        query.send_keys(good)
        wait.until(lambda d: "ok: " in d.find_element(By.ID, "diagnostics").text)
        expect(not driver.find_elements(By.CSS_SELECTOR, "#query-marks .error"), "a good query has no underline")
        driver.find_element(By.ID, "topic-picker").send_keys("delivery")  # its tags and rules
        wait.until(lambda d: "Тачпоинт/Доставка" in d.find_element(By.ID, "extras").get_attribute("value"))
        posts = driver.find_element(By.ID, "posts")
        driver.execute_script("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'));",
                              posts, "\n".join(json.dumps(p, ensure_ascii=False) for p in POSTS))
        wait.until(lambda d: "2 of 3 posts match" in d.find_element(By.ID, "summary").text)
        expect(True, "the summary says 2 of 3 posts match")
        matched = {e.get_attribute("data-post-id"): e for e in driver.find_elements(By.CSS_SELECTOR, ".post.match")}
        expect(sorted(matched) == ["p1", "p3"], "p1 and p3 match, p2 does not")
        marks = {pid: [m.text for m in e.find_elements(By.TAG_NAME, "mark")] for pid, e in matched.items()}
        expect(marks["p1"] == ["Курьер", "доставка"], f"p1's matched words are marked: {marks['p1']}")
        expect(marks["p3"] == ["доставку"], f"p3's matched word is marked: {marks['p3']}")
        p1 = matched["p1"].text
        expect("negative" in p1 and "Риск/Опоздание" in p1 and "Тачпоинт/Доставка" in p1,
               "p1 shows the rule's sentiment and tag and the auto-tag")

        # The page shows what the engine's CLI says for the same topic and posts.
        engine = {(m["post_id"], tuple(sorted(m["tags"])), m["sentiment"]) for m in sito_match(sito, work, good)}
        status, body, _ = http(port, "POST", "/api/v1/try", ADMIN, {
            "topic": json.loads(driver.execute_script("return JSON.stringify(topicFromPage())")),
            "posts": "\n".join(json.dumps(p, ensure_ascii=False) for p in POSTS)})
        api = {(p["id"], tuple(sorted(p["tags"])), p["sentiment"]) for p in json.loads(body)["posts"] if p["matched"]}
        expect(status == 200 and api == engine, f"the playground's mentions equal `sito match`'s: {sorted(engine)}")
        if shots:
            driver.save_screenshot(os.path.join(shots, "playground-matches.png"))

        # --- save as topic --------------------------------------------------------
        driver.find_element(By.ID, "topic-id").clear()
        driver.find_element(By.ID, "topic-id").send_keys("delivery-v2")
        driver.find_element(By.ID, "save").click()
        try:
            wait.until(lambda d: "saved delivery-v2" in d.find_element(By.ID, "status").text)
        except Exception:
            raise AssertionError("save: the status line says " + repr(driver.find_element(By.ID, "status").text))
        status, body, _ = http(port, "GET", "/api/v1/topics", ADMIN)
        stored = {t["id"]: t for t in json.loads(body)["topics"]}
        expect("delivery-v2" in stored and stored["delivery-v2"]["query"] == good, "the saved topic is stored")
        expect([t["path"] for t in stored["delivery-v2"]["tags"]] == ["Тачпоинт/Доставка"], "with the tags it started from")
        logs = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
        expect(not logs, f"no errors in the browser's console: {logs}")
    finally:
        if driver:
            driver.quit()
        child.stop()
        shutil.rmtree(work, ignore_errors=True)
    print("playground_test: all checks passed")


if __name__ == "__main__":
    main()
