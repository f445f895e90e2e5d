"""The three faces of mediator, served by the FastAPI app itself.

``router`` serves the HTML pages and the embeddable widget script; the JavaScript and CSS
they load live in ``static/`` (mounted by the app at ``/static``). Everything is vanilla
JS + CSS with no build step and nothing fetched from the internet, so the pages work
offline and inside a lender's intranet.
"""

from __future__ import annotations

from mediator.web.pages import STATIC_DIR, TEMPLATES_DIR, router

__all__ = ["STATIC_DIR", "TEMPLATES_DIR", "router"]
