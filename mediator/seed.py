"""Demo data: three accounts (US, UK, CN) and staff users, so a person can chat at once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mediator.security import hash_facts, hash_password
from mediator.store import repo

DEMO_ACCOUNTS: dict[str, dict[str, Any]] = {
    "demo-us": {"borrower_name": "Dana Smith", "creditor": "Acme Bank", "balance": Decimal("1240.50"),
                "currency": "USD", "days_past_due": 45, "jurisdiction": "US", "language": "en",
                "timezone": "America/New_York",
                "verification": {"date_of_birth": "1985-04-12", "postcode": "10001"}},
    "demo-uk": {"borrower_name": "Sophie Clarke", "creditor": "Brightwater Bank", "balance": Decimal("2150.00"),
                "currency": "GBP", "days_past_due": 60, "jurisdiction": "UK", "language": "en",
                "timezone": "Europe/London",
                "verification": {"date_of_birth": "1990-09-03", "postcode": "LS1 4AP"}},
    "demo-cn": {"borrower_name": "李娜", "creditor": "星河银行", "balance": Decimal("18600.00"),
                "currency": "CNY", "days_past_due": 65, "jurisdiction": "CN", "language": "zh",
                "timezone": "Asia/Shanghai",
                "verification": {"date_of_birth": "1988-06-12", "postcode": "100020"}},
}
DEMO_STAFF = (("mediator", "mediator-demo", "mediator"), ("supervisor", "supervisor-demo", "supervisor"),
              ("admin", "admin-demo", "admin"))


async def seed_demo(svc: Any) -> None:
    async with svc.db.transaction() as s:
        for account_id, data in DEMO_ACCOUNTS.items():
            fields = {**data, "verification": hash_facts(svc.keys, data["verification"])}
            await repo.upsert_account(s, account_id, fields)
        for username, password, role in DEMO_STAFF:
            if await repo.get_staff(s, username) is None:
                await repo.put_staff(s, username, hash_password(password), role)
