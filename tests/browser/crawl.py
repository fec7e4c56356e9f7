"""A walk of the portal as one user: every page their navigation and home page reach, two links deep, each
checked for error answers, console and htmx errors, sideways scrolling at phone width, covered controls and UI
text in the wrong language, a field that is wrong before anything was typed. Used by the crawl test and by
`python -m tests.browser.crawl` against `make run`."""

from __future__ import annotations

import re
from collections import Counter, deque
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from babel.messages.pofile import read_po

from tests.browser.fixtures import log_in as log_in_with_the_form

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
DEPTH = 2  # links followed from the navigation and the home page
PER_ROUTE = 2  # pages visited per route (path with ids, query keys): more of the same find nothing new
CATALOG = Path(__file__).resolve().parents[2] / "portal" / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
DOWNLOADS = re.compile(r"(\.pdf|\.xlsx|\.csv|\.json)$|[?&]format=|/personal-data$|/files/\d+$")
NEVER_FOLLOW = re.compile(r"/logout$|/static/")

# Counts htmx requests in flight and records htmx's error events and uncaught errors for the crawl to read.
WATCH_SCRIPT = """
window.__crawl = {inflight: 0, errors: []};
const errorEvents = ["htmx:responseError", "htmx:sendError", "htmx:swapError", "htmx:targetError",
  "htmx:oobErrorNoTarget", "htmx:onLoadError", "htmx:historyCacheError", "htmx:syntax:error",
  "htmx:evalDisallowedError", "htmx:eventFilter:error", "htmx:partialErrorNoTarget"];
for (const name of errorEvents) {
  document.addEventListener(name, (event) => window.__crawl.errors.push(
    name + " " + ((event.detail && event.detail.requestConfig && event.detail.requestConfig.path) || "")), true);
}
document.addEventListener("htmx:beforeRequest", () => window.__crawl.inflight++, true);
document.addEventListener("htmx:afterRequest", () => window.__crawl.inflight--, true);
"""

# What the page shows: its links, its visible text (data marked translate="no" left out) and its labels.
READ_SCRIPT = """
() => {
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest("script, style, template, [translate=no], [hidden]")) continue;
    const text = node.textContent.replace(/\\s+/g, " ").trim();
    if (text && parent.getClientRects().length) texts.push(text);
  }
  for (const element of document.querySelectorAll("[aria-label], [placeholder], [title], img[alt]")) {
    if (element.closest("[translate=no]")) continue;
    for (const name of ["aria-label", "placeholder", "title", "alt"]) {
      const value = element.getAttribute(name);
      if (value && value.trim()) texts.push(value.trim());
    }
  }
  texts.push(document.title);
  const links = [...document.querySelectorAll("a[href]")].filter((a) => !a.closest("[data-crawl-skip]"))
    .map((a) => new URL(a.getAttribute("href"), document.baseURI).href);  // a map's SVG <a> has no string href
  // A page just opened has nothing wrong with its fields yet (the evaluation once said "Not a valid choice").
  const fieldErrors = [...document.querySelectorAll(".field-error, [aria-invalid=true]")]
    .filter((e) => e.getClientRects().length).map((e) => (e.innerText || e.name || e.id || "").trim().slice(0, 60));
  return {texts, links, fieldErrors};
}
"""

# Elements that stick out of the viewport, outside any box that scrolls or clips on its own.
OVERFLOW_SCRIPT = """
() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width + 1) return [];
  const clipped = (element) => {
    for (let e = element.parentElement; e && e !== document.body; e = e.parentElement) {
      const overflow = getComputedStyle(e).overflowX;
      if (overflow !== "visible") return true;
    }
    return false;
  };
  const culprits = [];
  for (const element of document.body.querySelectorAll("*")) {
    const box = element.getBoundingClientRect();
    if (box.width && box.right > width + 1 && !clipped(element)) {
      culprits.push(element.tagName.toLowerCase() + (element.id ? "#" + element.id : "") +
        (element.className && typeof element.className === "string" ? "." + element.className.split(" ").join(".") : "")
        + " (" + Math.round(box.right) + "px)");
    }
  }
  return culprits.slice(0, 3);
}
"""

# Links and buttons in view that another element covers, so a tap would land elsewhere.
COVERED_SCRIPT = """
() => {
  const covered = [];
  for (const element of document.querySelectorAll("header a, header button, main a, main button")) {
    // A map's region is its shape, not its box: the middle of the box may lie in a neighbour.
    if (element.closest("svg.choropleth")) continue;
    const box = element.getBoundingClientRect();
    if (!box.width || !box.height || box.bottom <= 0 || box.top >= innerHeight || box.left < 0 ||
        box.right > innerWidth || getComputedStyle(element).visibility === "hidden") continue;
    if (!element.checkVisibility()) continue;  // e.g. inside a closed <details>: laid out, never drawn
    const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    if (hit && !element.contains(hit) && !hit.contains(element)) {
      covered.push((element.innerText || element.getAttribute("aria-label") || element.tagName).trim().slice(0, 40));
    }
  }
  return covered.slice(0, 3);
}
"""


@dataclass(frozen=True)
class Problem:
    url: str
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.url} — {self.detail}"


def _pattern(message_id: str) -> str:
    """A catalog entry as a regular expression: its placeholders match any text."""
    parts = re.split(r"%\(\w+\)[sd]|%[sd]|\{\w+\}", message_id)
    return ".+?".join(re.escape(part) for part in parts)


@dataclass
class LanguageCheck:
    """Tells UI text from data by the catalog: on a Chinese page, no English source string of the catalog
    (nor a bare lowercase word, which is how an untranslated enum value shows); on an English page, no
    Chinese translation of the catalog."""

    english: re.Pattern
    chinese: set[str]

    @classmethod
    @cache
    def load(cls) -> LanguageCheck:
        with CATALOG.open("rb") as handle:
            catalog = read_po(handle, locale="zh_Hans_CN")
        english, chinese = [], set()
        for message in catalog:
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for message_id, string in zip(ids, strings, strict=False):
                if not message_id or not string or string == message_id or not re.search(r"[A-Za-z]{2}", message_id):
                    continue
                english.append(_pattern(message_id.strip()))
                if re.search(r"[\u4e00-\u9fff]", string) and "%" not in string and "{" not in string:
                    chinese.add(string.strip())
        english.sort(key=len, reverse=True)
        return cls(re.compile("|".join(english)), chinese)

    def wrong(self, texts: list[str], language: str) -> list[str]:
        found = []
        for text in texts:
            pieces = {text, *(p.strip() for p in re.split(r" · |[:：()（）—|/]", text) if p.strip())}
            for piece in pieces:
                if language == "zh" and (self.english.fullmatch(piece) or re.fullmatch(r"[a-z][a-z_ -]{2,}", piece)):
                    found.append(piece)
                elif language == "en" and piece in self.chinese:
                    found.append(piece)
        return sorted(set(found))


def route_key(url: str) -> tuple[str, tuple[str, ...]]:
    parts = urlsplit(url)
    return re.sub(r"/\d+(?=/|$)", "/<id>", parts.path), tuple(sorted(k for k, _v in parse_qsl(parts.query)))


class Crawl:
    """One user's walk; the page is logged in already, in the language to check."""

    def __init__(self, page, base_url: str, language: str) -> None:
        self.page, self.base_url, self.language = page, base_url.rstrip("/"), language
        self.problems: list[Problem] = []
        self.visited: list[str] = []
        self._current = ""
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self._add("script error", str(error)[:200]))
        page.on("response", self._on_response)

    def _add(self, kind: str, detail: str, url: str | None = None) -> None:
        self.problems.append(Problem(url or self._current, kind, detail))

    def _on_console(self, message) -> None:
        if message.type == "error":
            self._add("console error", f"{message.text[:200]} {message.location.get('url', '')}")

    def _on_response(self, response) -> None:
        if response.url.startswith(self.base_url) and response.status >= 400:
            self._add(f"HTTP {response.status}", response.url.removeprefix(self.base_url))

    def _ours(self, url: str) -> str | None:
        url = url.split("#")[0]
        if not url.startswith(self.base_url + "/") or NEVER_FOLLOW.search(urlsplit(url).path):
            return None
        parts = urlsplit(url)
        query = urlencode(sorted(parse_qsl(parts.query)))
        return f"{self.base_url}{parts.path}" + (f"?{query}" if query else "")

    def run(self, start: str = "/") -> list[Problem]:
        self.page.add_init_script(WATCH_SCRIPT)
        seen, per_route = set(), Counter()
        queue = deque([(self.base_url + start, 0)])
        while queue:
            url, depth = queue.popleft()
            if url in seen:
                continue
            seen.add(url)
            key = route_key(url)
            if per_route[key] >= PER_ROUTE:
                continue
            per_route[key] += 1
            if DOWNLOADS.search(url):
                self._download(url)
                continue
            links = self._visit(url)
            if depth < DEPTH:
                queue.extend((link, depth + 1) for link in links if link not in seen)
        return self.problems

    def _download(self, url: str) -> None:
        response = self.page.request.get(url)
        if response.status >= 400:
            self._add(f"HTTP {response.status}", "download", url)

    def _visit(self, url: str) -> list[str]:
        page = self._current = url
        page = self.page
        page.set_viewport_size(DESKTOP)
        try:
            response = page.goto(url, wait_until="load")
            page.wait_for_function("() => !window.__crawl || window.__crawl.inflight <= 0", timeout=10_000)
        except Exception as error:  # a page that never loads is a finding, not a reason to stop the walk
            self._add("did not load", str(error).splitlines()[0][:200])
            return []
        self.visited.append(url)
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            return []
        if not page.url.startswith(self.base_url):
            return []
        found = page.evaluate(READ_SCRIPT)
        for text in LanguageCheck.load().wrong(found["texts"], self.language):
            self._add("wrong language", text)
        for error in found["fieldErrors"]:
            self._add("field error on opening", error)
        for error in page.evaluate("window.__crawl ? window.__crawl.errors : []"):
            self._add("htmx error", error)
        for culprit in page.evaluate(OVERFLOW_SCRIPT):
            self._add("wider than 1280 px", culprit)
        page.set_viewport_size(PHONE)
        page.evaluate("new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
        for culprit in page.evaluate(OVERFLOW_SCRIPT):
            self._add("wider than 390 px", culprit)
        for label in page.evaluate(COVERED_SCRIPT):
            self._add("covered at 390 px", label)
        return [link for link in (self._ours(href) for href in found["links"]) if link]


def log_in(page, base_url: str, email: str, password: str, language: str) -> None:
    """Log in through the form, then choose the language with the switcher, as a user does."""
    log_in_with_the_form(page, base_url, email, password)
    code = "zh_Hans_CN" if language == "zh" else "en"
    if page.locator(f"header button[value={code}][aria-current]").count() == 0:
        with page.expect_navigation():
            page.locator(f"header button[value={code}]").first.click(force=True)


def main() -> None:  # pragma: no cover - a tool for people, the test drives Crawl itself
    import argparse
    import sys

    from playwright.sync_api import sync_playwright

    from tests.browser.fixtures import CHROMIUM, CHROMIUM_ARGS

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("base_url")
    parser.add_argument("email")
    parser.add_argument("--password", default="qudao-demo-2026")
    parser.add_argument("--language", choices=["zh", "en"], default="zh")
    args = parser.parse_args()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport=DESKTOP).new_page()
        log_in(page, args.base_url, args.email, args.password, args.language)
        crawl = Crawl(page, args.base_url, args.language)
        problems = crawl.run()
        print(f"{len(crawl.visited)} pages visited", file=sys.stderr)
        for problem in problems:
            print(problem)
        browser.close()


if __name__ == "__main__":
    main()
