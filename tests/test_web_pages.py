"""Fast checks of the web router: pages are served with the right types and headers, every
asset they reference exists, nothing is fetched from the internet, and both languages carry
the same interface strings. The real browser behaviour is covered by tests/e2e."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.testclient import TestClient

from mediator.web import STATIC_DIR, TEMPLATES_DIR, router
from mediator.web.pages import PAGES

PAGE_PATHS = sorted(PAGES)


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return TestClient(app)


class _Refs(HTMLParser):
    """Collects script src, stylesheet href and link href of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self.links: list[str] = []
        self.inline_scripts = 0
        self._in_script_without_src = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            if a.get("src"):
                self.scripts.append(a["src"] or "")
            else:
                self.inline_scripts += 1
        elif tag == "link" and a.get("rel") == "stylesheet":
            self.styles.append(a.get("href") or "")
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")


def _refs(html: str) -> _Refs:
    p = _Refs()
    p.feed(html)
    return p


@pytest.mark.parametrize("path", PAGE_PATHS)
def test_page_is_html_with_security_headers(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert '<meta name="viewport"' in r.text  # mobile layout
    assert 'class="skip"' in r.text  # keyboard users can skip the header


@pytest.mark.parametrize("path", PAGE_PATHS)
def test_every_referenced_asset_is_served(client: TestClient, path: str) -> None:
    refs = _refs(client.get(path).text)
    assert refs.inline_scripts == 0, "the CSP forbids inline scripts"
    assets = refs.scripts + refs.styles
    assert assets, "each page loads at least one asset"
    for src in assets:
        assert src.startswith("/"), f"{src} must be served by the app itself"
        r = client.get(src)
        assert r.status_code == 200, src
        kind = "javascript" if src.endswith(".js") else "css"
        assert kind in r.headers["content-type"], src


def test_widget_js_is_javascript_and_self_contained(client: TestClient) -> None:
    r = client.get("/widget.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/javascript")
    js = r.text
    # the widget runs on a lender's page: no dependency on our other scripts
    assert "I18N" not in js and "Staff." not in js
    for needle in ('role: "log"', '"aria-live": "polite"', "Idempotency-Key", "EventSource", "attachShadow"):
        assert needle in js, needle


def _assets() -> list[Path]:
    return sorted([*STATIC_DIR.iterdir(), *TEMPLATES_DIR.iterdir()])


@pytest.mark.parametrize("asset", _assets(), ids=lambda p: p.name)
def test_no_asset_fetches_from_the_internet(asset: Path) -> None:
    text = asset.read_text(encoding="utf-8")
    # only the SVG namespace URI may look like a URL; it is an identifier, never fetched
    urls = [u for u in re.findall(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}[^\s\"')]*", text, re.I)
            if not u.startswith("http://www.w3.org/2000/svg") and "host/widget.js" not in u
            and not u.startswith("https://host")]
    assert urls == [], f"{asset.name} references external URLs: {urls}"


def _string_tables(js: str, start_marker: str) -> dict[str, set[str]]:
    """Keys of the en and zh string tables in one of our scripts."""
    body = js[js.index(start_marker):]
    en = body[body.index("en: {"):body.index("zh: {")]
    zh_start = body.index("zh: {")
    zh = body[zh_start:body.index("\n    }", zh_start)]
    key = re.compile(r"^\s+([a-zA-Z_]+):", re.M)
    return {"en": set(key.findall(en)), "zh": set(key.findall(zh))}


@pytest.mark.parametrize("script", ["i18n.js", "widget.js"])
def test_english_and_chinese_tables_have_the_same_keys(script: str) -> None:
    tables = _string_tables((STATIC_DIR / script).read_text(encoding="utf-8"), "STRINGS = {")
    assert len(tables["en"]) > 15
    assert tables["en"] == tables["zh"]


def test_every_data_i18n_key_exists() -> None:
    tables = _string_tables((STATIC_DIR / "i18n.js").read_text(encoding="utf-8"), "STRINGS = {")
    used: set[str] = set()
    for page in TEMPLATES_DIR.glob("*.html"):
        html = page.read_text(encoding="utf-8")
        used |= set(re.findall(r'data-i18n="([a-z_]+)"', html))
        for attr in re.findall(r'data-i18n-attr="([^"]+)"', html):
            used |= {pair.split(":")[1].strip() for pair in attr.split(";")}
    for script in STATIC_DIR.glob("*.js"):
        used |= set(re.findall(r'I18N\.t\("([a-z_]+)"\)', script.read_text(encoding="utf-8")))
    assert used, "the pages use translated strings"
    missing = used - tables["en"]
    assert missing == set(), missing


def test_chinese_strings_are_chinese() -> None:
    js = (STATIC_DIR / "widget.js").read_text(encoding="utf-8")
    zh = js[js.index("zh: {"):js.index("var CSS")]
    for word in ("自动化助手", "人工", "发送", "重试"):
        assert word in zh


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
@pytest.mark.parametrize("script", sorted(STATIC_DIR.glob("*.js")), ids=lambda p: p.name)
def test_scripts_parse(script: Path) -> None:
    res = subprocess.run(["node", "--check", str(script)], capture_output=True, text=True, timeout=30)
    assert res.returncode == 0, res.stderr


def test_index_links_to_every_face(client: TestClient) -> None:
    links = set(_refs(client.get("/").text).links)
    assert {"/demo", "/panel", "/supervisor"} <= links
