"""The FastAPI application: thin routes over the service object, built by ``create_app``."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from mediator import __version__
from mediator.api import routes_borrower, routes_integration, routes_service, routes_staff
from mediator.api.middleware import RateLimit, RateLimiter, RequestContext
from mediator.errors import MediatorError
from mediator.logging_setup import configure_logging
from mediator.service import Service
from mediator.settings import Settings, get_settings

log = logging.getLogger("mediator.api")


def create_app(settings: Settings | None = None, service: Service | None = None, migrate: bool = True,
               warm_up: bool = False) -> FastAPI:
    settings = settings or get_settings()
    configure_logging()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        svc = service or Service(settings)
        app.state.service = svc
        await svc.start(migrate=migrate)
        if settings.seed_demo:
            from mediator.seed import seed_demo

            await seed_demo(svc)
        if svc.bus.name == "redis":
            app.state.rate_redis = svc.bus.redis  # type: ignore[attr-defined]
            _per_token.redis = _per_ip.redis = _login_failures.redis = svc.bus.redis  # type: ignore[attr-defined]
        if warm_up:
            _warm_up(svc)
        log.info("mediator ready: mediator=%s bus=%s", svc.backend.name, svc.bus.name)
        try:
            yield
        finally:
            await svc.stop()

    app = FastAPI(
        title="mediator",
        version=__version__,
        description="Guardrailed AI dispute mediation for consumer lending. See docs/api.md.",
        lifespan=lifespan,
    )
    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    app.add_middleware(
        CORSMiddleware, allow_origins=origins, allow_credentials=False,
        allow_methods=["GET", "POST", "PUT", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-API-Key", "Last-Event-ID",
                       "X-Request-ID"],
        expose_headers=["X-Request-ID", "Retry-After"],
    )
    _per_token = RateLimiter(settings.rate_limit_per_minute)
    _per_ip = RateLimiter(settings.rate_limit_ip_per_minute)
    app.state.login_failures = _login_failures = RateLimiter(10, window_s=900)  # failed sign-ins per user
    app.add_middleware(RateLimit, per_token=_per_token, per_ip=_per_ip)
    app.add_middleware(RequestContext, max_body=settings.max_body_bytes)

    @app.exception_handler(MediatorError)
    async def _domain_error(_req: Request, exc: MediatorError) -> JSONResponse:
        return JSONResponse(status_code=exc.status, content={"detail": exc.detail})

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_req: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")} for e in exc.errors()]
        return JSONResponse(status_code=422, content={"detail": errors})

    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeout)
    @app.exception_handler(DBAPIError)
    @app.exception_handler(ConnectionError)
    @app.exception_handler(OSError)
    async def _db_down(_req: Request, exc: Exception) -> JSONResponse:
        log.error("storage unavailable: %s", type(exc).__name__)
        return JSONResponse(status_code=503, headers={"Retry-After": "2"},
                            content={"detail": "storage is unavailable; nothing was half-written, retry"})

    app.include_router(routes_service.router)
    app.include_router(routes_integration.router)
    app.include_router(routes_borrower.router)
    app.include_router(routes_staff.router)
    _mount_web(app)
    return app


def _mount_web(app: FastAPI) -> None:
    try:
        from mediator.web import router as web_router
    except ImportError:
        return
    app.include_router(web_router)
    from pathlib import Path

    from fastapi.staticfiles import StaticFiles

    static = Path(__file__).resolve().parent.parent / "web" / "static"
    if static.is_dir():
        app.mount("/static", StaticFiles(directory=static), name="static")


def _warm_up(svc: Service) -> None:
    """For a server process: load what the first turns would otherwise load lazily (the
    analyser's lexicons, about 0.2 s; the guard's literal prefilter, about 0.4 s; the ``openai``
    client's API modules, about 0.7 s), so the
    first borrowers after a start or a worker restart do not wait for it; then move the
    long-lived start-up objects out of the cyclic collector's view (a full collection under
    load paused a worker 481 ms before, 172 ms after)."""
    from mediator.analysis import analyze_message
    from mediator.domain import GuardContext

    for text, language in (("Hello, could I pay this in instalments?", "en"), ("你好，可以分期还款吗？", "zh")):
        analyze_message(text, language)
    for reply, jurisdiction, language in (("We can set up a plan in instalments if you'd like.", "US", "en"),
                                          ("我们可以为您安排分期还款。", "CN", "zh")):
        # the guard builds its literal prefilter on first use (about 0.4 s here)
        svc.guard.check(reply, GuardContext(jurisdiction=jurisdiction, language=language), author="model")
    prepare = getattr(svc.backend, "warm_up", None)
    if prepare is not None:
        prepare()
    from mediator.gcsettle import settle_gc

    settle_gc()


def app_factory() -> Any:
    """For ``uvicorn --factory mediator.api.app:app_factory`` (several workers)."""
    return create_app(warm_up=True)
