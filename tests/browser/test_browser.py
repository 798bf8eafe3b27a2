"""The search page in a real headless Chromium, driven over the Chrome DevTools Protocol (CDP).

A uvicorn server on a free loopback port serves an index of the bundled LeCaRD sample; Chromium is
started with ``--remote-debugging-port=0`` and driven over a websocket (``websocket-client``): real
typing (``Input.insertText``) and real mouse clicks (``Input.dispatchMouseEvent``). Skipped when no
Chromium binary is found (``apt-get install chromium``; or point ``LCR_CHROMIUM`` at one).

``LCR_SCREENSHOTS=1`` saves ``reports/screenshots/search.png`` and ``case.png`` (a CJK font, e.g. the
Debian package ``fonts-wqy-microhei``, makes them legible).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from data_tools.registry import iter_corpus
from lcr.api import create_app
from lcr.index.bundle import build_index

websocket = pytest.importorskip("websocket", reason="needs websocket-client (pip install -e '.[dev]')")

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data_tools" / "sample" / "lecard"
SCREENSHOTS = REPO / "reports" / "screenshots"
FACTS = "被告人酒后驾驶机动车，经检测血液中乙醇含量为180mg/100ml。"
TIMEOUT = 30.0  # every wait is bounded by this (seconds)
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    if os.environ.get("LCR_CHROMIUM"):
        return shutil.which(os.environ["LCR_CHROMIUM"])
    return next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)


def wait_until(ready: Any, what: str, timeout: float = TIMEOUT) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := ready()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {what} after {timeout:.0f} s")
        time.sleep(0.05)
    return value


class Page:
    """One browser tab over CDP: evaluate JavaScript, type, click, wait, take screenshots."""

    def __init__(self, ws_url: str):
        self.ws = websocket.create_connection(ws_url, timeout=TIMEOUT, suppress_origin=True)
        self._id = 0

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:  # no domain is enabled, so replies come in order; skip any stray event
            message = json.loads(self.ws.recv())
            if message.get("id") == self._id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def js(self, expression: str) -> Any:
        reply = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in reply:
            raise RuntimeError(f"{expression!r}: {reply['exceptionDetails'].get('exception', reply['exceptionDetails'])}")
        return reply["result"].get("value")

    def wait(self, expression: str, what: str, timeout: float = TIMEOUT) -> Any:
        try:
            return wait_until(lambda: self.js(expression), what, timeout)
        except TimeoutError as e:
            error = self.js("document.querySelector('[data-testid=error-box]')?.innerText || ''")
            raise AssertionError(f"{e}; error box: {error!r}") from None

    def count(self, selector: str) -> int:
        return self.js(f"document.querySelectorAll({json.dumps(selector)}).length")

    def text(self, selector: str) -> str:
        return self.js(f"document.querySelector({json.dumps(selector)})?.innerText ?? ''")

    def goto(self, url: str, ready: str = "!!document.querySelector('#search-form .filters')") -> None:
        """Load ``url`` afresh; ``ready`` is true once its scripts ran (the filters are cloned in)."""
        self.js("window.__stale = true")
        self.call("Page.navigate", url=url)
        self.wait(f"!window.__stale && document.readyState === 'complete' && ({ready})", f"page at {url}")

    def click(self, selector: str) -> None:
        """A real mouse click in the middle of the first element matching ``selector``."""
        center = self.js(f"""(() => {{
            const e = document.querySelector({json.dumps(selector)});
            if (!e) return null;
            e.scrollIntoView({{block: "center"}});
            const r = e.getBoundingClientRect();
            return [r.x + r.width / 2, r.y + r.height / 2];
        }})()""")
        assert center, f"nothing to click at {selector}"
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=center[0], y=center[1], button="left", clickCount=1)

    def type(self, selector: str, text: str) -> None:
        self.js(f"document.querySelector({json.dumps(selector)}).value = ''")
        self.click(selector)
        self.call("Input.insertText", text=text)

    def screenshot(self, path: Path, max_height: int = 2400) -> None:
        size = self.call("Page.getLayoutMetrics")["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], max_height), "scale": 1}
        shot = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True, clip=clip)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))


@pytest.fixture(scope="module")
def chromium() -> str:
    binary = find_chromium()
    if binary is None:
        if os.environ.get("CI") == "true":  # CI installs Chromium (.ci/run): its absence is a failure there
            pytest.fail("no Chromium binary in CI")
        pytest.skip("no Chromium binary (apt-get install -y chromium, or set LCR_CHROMIUM)")
    return binary


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, chromium: str) -> Iterator[str]:
    """The API over the sample index, served by uvicorn in a thread on a free loopback port."""
    index = tmp_path_factory.mktemp("browser") / "sample-index"
    build_index(iter_corpus("lecard-v1", SAMPLE), index, source=f"lecard-v1:{SAMPLE}", show_progress=False)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    uv = uvicorn.Server(uvicorn.Config(create_app(index), log_level="warning"))
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        wait_until(lambda: uv.started or not thread.is_alive(), "uvicorn start")
        assert uv.started, "uvicorn did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        uv.should_exit = True
        thread.join(TIMEOUT)
        sock.close()


@pytest.fixture(scope="module")
def page(chromium: str, server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    profile = tmp_path_factory.mktemp("chromium-profile")
    log = (profile.parent / "chromium.log").open("wb")
    proc = subprocess.Popen(
        [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-sync",
         "--disable-background-networking", "--disable-component-update", "--mute-audio",
         "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", f"--user-data-dir={profile}",
         "--window-size=1280,1000", "--lang=zh-CN", "about:blank"],
        stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    tab = None
    try:
        active = profile / "DevToolsActivePort"  # Chromium writes its port here once it listens
        wait_until(lambda: (active.exists() and len(active.read_text().split()) == 2) or proc.poll() is not None,
                   "Chromium DevTools port")
        assert proc.poll() is None, f"Chromium exited: {(profile.parent / 'chromium.log').read_text()[-2000:]}"
        port, browser_path = active.read_text().split()
        browser = Page(f"ws://127.0.0.1:{port}{browser_path}")
        target = browser.call("Target.createTarget", url="about:blank")["targetId"]
        browser.ws.close()
        tab = Page(f"ws://127.0.0.1:{port}/devtools/page/{target}")
        yield tab
    finally:
        if tab is not None:
            tab.ws.close()
        try:
            os.killpg(proc.pid, signal.SIGTERM)  # Chromium and its helpers: the group started above
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        except ProcessLookupError:
            pass
        log.close()


def _search(page: Page, facts: str) -> int:
    page.type("[data-testid=facts-input]", facts)
    page.click("[data-testid=search-button]")
    return page.wait("document.querySelectorAll('#search-view [data-testid=result-card]').length", "result cards")


def test_search_open_case_and_similar(page: Page, server: str) -> None:
    page.goto(f"{server}/")
    assert page.js("document.documentElement.lang") == "zh-CN"
    assert _search(page, FACTS) >= 3
    first = "#search-view [data-testid=result-card]"
    assert page.text(f"{first} [data-testid=result-title]")
    assert "危险驾驶罪" in page.text(f"{first} [data-testid=result-charges]")
    assert "【危险驾驶罪】" in page.text(f"{first} [data-testid=result-articles]")  # named, not 刑法:133-1
    assert page.count(f"{first} .snippet mark") > 0  # the query's words are highlighted
    if os.environ.get("LCR_SCREENSHOTS") == "1":
        page.screenshot(SCREENSHOTS / "search.png")

    case_id = page.js(f"document.querySelector({json.dumps(first)}).dataset.caseId")
    page.click(f"{first} .snippet")  # anywhere on the card opens it
    page.wait("!!document.querySelector('[data-testid=case-facts]')?.innerText.trim()", "case page")
    assert page.js("location.hash") == f"#/case/{case_id}"
    view = page.text("#case-view")
    for heading in ("事实", "本院认为", "判决结果", "引用法条"):
        assert heading in view
    assert page.text("[data-testid=case-title]")
    assert page.text("[data-testid=case-reasoning]").startswith("本院认为")
    assert page.text("[data-testid=case-result]")
    assert "在道路上驾驶机动车" in page.text("[data-testid=case-articles]")  # 第133条之一, quoted

    page.click("[data-testid=similar-button]")
    n = page.wait("document.querySelectorAll('[data-testid=similar-results] [data-testid=result-card]').length",
                  "similar cases")
    ids = page.js("[...document.querySelectorAll('[data-testid=similar-results] [data-testid=result-card]')]"
                  ".map(c => c.dataset.caseId)")
    assert n == 10 and case_id not in ids
    if os.environ.get("LCR_SCREENSHOTS") == "1":
        page.js("window.scrollTo(0, 0)")
        page.screenshot(SCREENSHOTS / "case.png")

    page.click("[data-testid=back-link]")
    page.wait("!document.querySelector('#search-view').hidden", "search view again")
    assert page.count("#search-view [data-testid=result-card]") >= 3  # the results are kept


def test_api_errors_show_in_the_error_box(page: Page, server: str) -> None:
    page.goto(f"{server}/")
    page.js("document.querySelector('#search-form [name=year_from]').value = '2020';"
            "document.querySelector('#search-form [name=year_to]').value = '2010'")
    page.type("[data-testid=facts-input]", FACTS)
    page.click("[data-testid=search-button]")
    page.wait("!document.querySelector('[data-testid=error-box]').hidden", "error box")
    box = page.text("[data-testid=error-box]")
    assert "422" in box and "请求中有字段缺失或格式不正确" in box  # a Chinese headline for the code
    assert "year_from (2020) is after year_to (2010)" in box  # the field message, too
    assert page.count("#search-view [data-testid=result-card]") == 0

    page.js("location.hash = '#/case/no-such-case'")
    page.wait("!document.querySelector('[data-testid=error-box]').hidden", "error box")
    box = page.text("[data-testid=error-box]")
    assert "404" in box and "未找到该案例" in box and "null" not in box
    assert page.text("[data-testid=case-title]") == "no-such-case"
    if os.environ.get("LCR_SCREENSHOTS") == "1":
        page.screenshot(SCREENSHOTS / "error.png")

    page.goto(f"{server}/")  # an empty submit is answered on the page, in Chinese, without a request
    page.click("[data-testid=search-button]")
    page.wait("!document.querySelector('[data-testid=error-box]').hidden", "error box")
    assert "请先填写案件事实" in page.text("[data-testid=error-box]")


def test_a_search_has_an_address(page: Page, server: str) -> None:
    """Issue 26 #5: the query and filters live in the URL; reload, bookmarks and back/forward restore them."""
    page.goto(f"{server}/")
    page.js("document.querySelector('#search-form [name=court]').value = '人民法院'")
    assert _search(page, FACTS) >= 1
    address = page.js("location.hash")
    assert address.startswith("#/search?") and "court=" in address
    assert page.js("new URLSearchParams(location.hash.slice(9)).get('q')") == FACTS
    first = page.js("document.querySelector('#search-view [data-testid=result-card]').dataset.caseId")

    page.goto("about:blank", ready="true")  # a fresh load, as a bookmark or a reload is
    page.goto(f"{server}/{address}", ready="document.querySelectorAll('#search-view [data-testid=result-card]').length")
    assert page.js("document.querySelector('[data-testid=facts-input]').value") == FACTS
    assert page.js("document.querySelector('#search-form [name=court]').value") == "人民法院"
    assert page.js("document.querySelector('#search-view [data-testid=result-card]').dataset.caseId") == first

    page.click("#search-view [data-testid=result-card] .snippet")
    page.wait("location.hash.startsWith('#/case/')", "case page")
    page.js("history.back()")
    page.wait("location.hash.startsWith('#/search?') && !document.querySelector('#search-view').hidden",
              "back to the search")
    assert page.count("#search-view [data-testid=result-card]") >= 1
    page.js("history.forward()")
    page.wait("location.hash.startsWith('#/case/')", "forward to the case")


def test_rich_explanations_render(page: Page, server: str) -> None:
    """The parts a BM25-only index leaves out (reasons, matched sentences, predictions), from a stub."""
    page.goto(f"{server}/")
    hit = {"case_id": "x1", "rank": 1, "score": 0.875, "title": "张某危险驾驶案", "court": "某区人民法院", "year": 2019,
           "charges": ["危险驾驶罪"], "articles": ["刑法:133-1"], "snippet": "张某醉酒驾驶机动车",
           "explanation": {
               "reasons": ["同为危险驾驶罪", "均援引刑法第一百三十三条之一"],
               "articles": ["刑法第133条之一【危险驾驶罪】"],
               "matched_sentences": [{"query_sentence": "被告人酒后驾驶机动车",
                                      "case_sentence": "张某醉酒驾驶机动车", "weight": 0.91}],
               "predicted_charges": [{"charge": "危险驾驶罪", "probability": 0.97}],
               "predicted_articles": [{"article": "刑法:133-1", "name": "危险驾驶罪", "probability": 0.95}],
               "shared_circumstances": ["自首"], "features": {"bm25_facts": 12.5}, "contributions": {"lcm": 0.6},
               "charge_elements": [{"charge": "危险驾驶罪", "object": "交通运输的正常秩序和道路交通安全",
                                    "objective": "在道路上驾驶机动车实施刑法规定的危险驾驶行为",
                                    "subject": "一般主体", "subjective": "故意", "source": "JUREX-4E"}]}}
    reply = json.dumps({"query": {}, "took_ms": 1.0, "results": [hit]}, ensure_ascii=False)
    page.js(f"""window.fetch = async () => new Response({json.dumps(reply)},
                {{status: 200, headers: {{"Content-Type": "application/json"}}}})""")
    assert _search(page, FACTS) == 1
    card = page.text("[data-testid=result-card]")
    for part in ("同为危险驾驶罪", "刑法第133条之一【危险驾驶罪】", "自首", "张某危险驾驶案", "某区人民法院"):
        assert part in card
    assert page.count("[data-testid=matched-pair]") == 1
    assert page.js("[...document.querySelectorAll('[data-testid=matched-pair] mark')].map(m => m.textContent)") \
        == ["驾驶机动车", "驾驶机动车"]
    assert "危险驾驶罪 97%" in page.text("[data-testid=predictions]")
    # the shared charge's four elements, folded under 危险驾驶罪的犯罪构成要件
    assert not page.js("document.querySelector('[data-testid=charge-elements]').open")
    page.click("[data-testid=charge-elements] summary")
    page.wait("document.querySelector('[data-testid=charge-elements]').open", "charge elements open")
    elements = page.text("[data-testid=charge-elements]")
    for part in ("危险驾驶罪的犯罪构成要件", "犯罪客体", "客观方面", "在道路上驾驶机动车", "主观方面", "JUREX-4E"):
        assert part in elements
    # the numbers sit behind a 技术细节 toggle, with Chinese headers and feature names
    assert not page.js("document.querySelector('[data-testid=tech-details]').open")
    page.click("[data-testid=tech-details] summary")
    page.wait("document.querySelector('[data-testid=tech-details]').open", "technical details open")
    details = page.text("[data-testid=tech-details]")
    for part in ("技术细节", "排序特征", "取值", "对得分的贡献", "BM25（事实）"):
        assert part in details
    if os.environ.get("LCR_SCREENSHOTS") == "1":
        page.screenshot(SCREENSHOTS / "explanations.png")


def test_language_toggle_is_remembered(page: Page, server: str) -> None:
    page.goto(f"{server}/")
    assert page.text("[data-testid=search-button]") == "检索"
    page.click("[data-testid=lang-toggle]")
    assert page.text("[data-testid=search-button]") == "Search"
    assert page.js("document.documentElement.lang") == "en"
    page.goto(f"{server}/")  # kept in localStorage
    assert page.text("[data-testid=search-button]") == "Search"
    assert page.text("[data-testid=lang-toggle]") == "中文"
    page.click("[data-testid=lang-toggle]")
    assert page.text("[data-testid=search-button]") == "检索"


def test_docs_render_offline(page: Page, server: str) -> None:
    page.goto(f"{server}/docs", ready="document.querySelectorAll('.opblock').length >= 4")
    paths = page.js("[...document.querySelectorAll('.opblock-summary-path')].map(e => e.innerText)")
    assert "/v1/search" in paths and "/v1/cases/{case_id}/similar" in paths
    assert not page.text(".swagger-ui .errors-wrapper")
