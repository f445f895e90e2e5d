"""Routes for the pages and the widget script.

The pages are static HTML shells: all data comes from the JSON API at run time, so the
server side only has to hand out files with the right content type and security headers.
They are read once and kept in memory because they never change while the process runs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
TEMPLATES_DIR = WEB_DIR / "templates"

# Pages only load our own scripts; inline styles are allowed because SVG charts and the
# widget's shadow root style themselves. Data comes from the same origin's API.
_PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'self'; base-uri 'none'; "
    "form-action 'self'"
)
_PAGE_HEADERS = {
    "Content-Security-Policy": _PAGE_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

# page path -> template file
PAGES: dict[str, str] = {
    "/": "index.html",
    "/demo": "demo.html",
    "/login": "login.html",
    "/panel": "panel.html",
    "/supervisor": "supervisor.html",
}

router = APIRouter(include_in_schema=False)


@cache
def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _page_route(template: str) -> Callable[[], Awaitable[HTMLResponse]]:
    async def endpoint() -> HTMLResponse:
        return HTMLResponse(_read(TEMPLATES_DIR / template), headers=_PAGE_HEADERS)

    endpoint.__name__ = f"page_{template.removesuffix('.html')}"
    return endpoint


for _path, _template in PAGES.items():
    router.add_api_route(_path, _page_route(_template), methods=["GET"], response_class=HTMLResponse)


@router.get("/widget.js")
async def widget_js() -> Response:
    """The embeddable borrower widget. It runs on the lender's pages, so it carries no CSP of
    its own and may be cached briefly; it talks to the API base given in its data attributes."""
    return Response(
        _read(STATIC_DIR / "widget.js"),
        media_type="application/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
    )
