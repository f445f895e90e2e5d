"""``mediator serve | seed | migrate | staff add``."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys


def cmd_serve(args: argparse.Namespace) -> int:
    if args.demo:
        os.environ["MEDIATOR_SEED_DEMO"] = "true"
    from mediator.settings import get_settings

    settings = get_settings()
    # generate (and print once) the keys before workers fork, so they all share them
    from mediator.security import load_keys

    load_keys(settings)
    if args.workers > 1:
        from mediator.store.db import upgrade

        upgrade(settings.database_url)
    print(f"mediator: serving on http://{args.host}:{args.port}  (mediator: "
          f"{'openai' if settings.llm_enabled else 'offline'}, database: "
          f"{settings.database_url.split('://')[0]}, bus: {'redis' if settings.redis_url else 'in-process'})",
          file=sys.stderr, flush=True)
    if args.demo:
        print(f"mediator: demo chat at http://{args.host}:{args.port}/demo ; staff: mediator/mediator-demo, "
              "supervisor/supervisor-demo", file=sys.stderr, flush=True)
    from mediator.api.workers import serve

    # no access log: its lines would carry client addresses and conversation ids (personal data),
    # and the level already kept them out; off, uvicorn does not format them per request either
    return serve(args.app, args.host, args.port, args.workers, log_level="warning", access_log=False,
                 timeout_graceful_shutdown=15)


def _service() -> object:
    from mediator.service import Service

    return Service()


def cmd_migrate(args: argparse.Namespace) -> int:
    from mediator.settings import get_settings
    from mediator.store.db import upgrade

    upgrade(get_settings().database_url)
    print("mediator: database is up to date")
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    async def run() -> None:
        from mediator.seed import seed_demo
        from mediator.service import Service

        svc = Service()
        await svc.db.migrate()
        await seed_demo(svc)
        await svc.db.dispose()

    asyncio.run(run())
    print("mediator: demo accounts demo-us, demo-uk, demo-cn and staff users loaded")
    return 0


def cmd_staff_add(args: argparse.Namespace) -> int:
    password = args.password or os.environ.get("MEDIATOR_STAFF_PASSWORD")
    if not password or len(password) < 8:
        print("mediator: give a password of at least 8 characters (--password or MEDIATOR_STAFF_PASSWORD)",
              file=sys.stderr)
        return 2

    async def run() -> None:
        from mediator.security import hash_password
        from mediator.settings import get_settings
        from mediator.store import repo
        from mediator.store.db import Database

        db = Database(get_settings().database_url)
        await db.migrate()
        async with db.transaction() as s:
            await repo.put_staff(s, args.username, hash_password(password), args.role)
        await db.dispose()

    asyncio.run(run())
    print(f"mediator: staff user {args.username} ({args.role}) saved")
    return 0
