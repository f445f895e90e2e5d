"""All configuration in one place, read from the environment (and an optional .env).

Names without a prefix (``DATABASE_URL``, ``REDIS_URL``, ``OPENAI_*``) are fixed by the
contract; everything else is ``MEDIATOR_*``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
POLICIES_DIR = PROJECT_ROOT / "policies"
PROMPTS_DIR = PROJECT_ROOT / "prompts"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = Field(
        default="sqlite+aiosqlite:///./mediator.db", validation_alias=AliasChoices("DATABASE_URL")
    )
    redis_url: str | None = Field(default=None, validation_alias=AliasChoices("REDIS_URL"))

    openai_base_url: str | None = Field(default=None, validation_alias=AliasChoices("OPENAI_BASE_URL"))
    openai_api_key: str | None = Field(default=None, validation_alias=AliasChoices("OPENAI_API_KEY"))
    mediator_model: str | None = Field(default=None, validation_alias=AliasChoices("MEDIATOR_MODEL"))
    llm_timeout_s: float = Field(default=20.0, validation_alias=AliasChoices("MEDIATOR_LLM_TIMEOUT"))
    llm_max_retries: int = Field(default=2, validation_alias=AliasChoices("MEDIATOR_LLM_MAX_RETRIES"))

    integration_key: str | None = Field(
        default=None, validation_alias=AliasChoices("MEDIATOR_INTEGRATION_KEY")
    )
    secret_key: str | None = Field(default=None, validation_alias=AliasChoices("MEDIATOR_SECRET_KEY"))
    """Signs borrower and staff tokens and keys the hashes of verification facts."""
    state_dir: Path = Field(default=Path("./var"), validation_alias=AliasChoices("MEDIATOR_STATE_DIR"))
    """Where generated keys are kept between restarts when none are set."""
    borrower_token_ttl_s: int = Field(default=7 * 24 * 3600, validation_alias=AliasChoices("MEDIATOR_TOKEN_TTL"))

    policies_dir: Path = Field(default=POLICIES_DIR, validation_alias=AliasChoices("MEDIATOR_POLICIES_DIR"))
    prompts_dir: Path = Field(default=PROMPTS_DIR, validation_alias=AliasChoices("MEDIATOR_PROMPTS_DIR"))

    max_message_chars: int = Field(default=4000, validation_alias=AliasChoices("MEDIATOR_MAX_MESSAGE_CHARS"))
    max_body_bytes: int = Field(default=64 * 1024, validation_alias=AliasChoices("MEDIATOR_MAX_BODY_BYTES"))
    alert_threshold: float = Field(default=0.5, validation_alias=AliasChoices("MEDIATOR_ALERT_THRESHOLD"))
    collector_name: str = Field(default="Northgate Recoveries",
                                validation_alias=AliasChoices("MEDIATOR_COLLECTOR_NAME"))
    """Who is writing to borrowers: named in the disclosure and the prompts."""
    alert_webhook_url: str | None = Field(default=None, validation_alias=AliasChoices("MEDIATOR_ALERT_WEBHOOK_URL"))
    alert_webhook_secret: str | None = Field(
        default=None, validation_alias=AliasChoices("MEDIATOR_ALERT_WEBHOOK_SECRET")
    )
    cors_origins: str = Field(default="*", validation_alias=AliasChoices("MEDIATOR_CORS_ORIGINS"))
    """Comma-separated origins allowed to embed the widget; '*' for any (tokens are bearer, not cookies)."""
    rate_limit_per_minute: int = Field(default=30, validation_alias=AliasChoices("MEDIATOR_RATE_LIMIT"))
    """POSTs per minute per bearer token (0 disables)."""
    rate_limit_ip_per_minute: int = Field(default=1200, validation_alias=AliasChoices("MEDIATOR_RATE_LIMIT_IP"))
    """POSTs per minute per client address (0 disables)."""
    proactive_interval_s: float = Field(default=300.0, validation_alias=AliasChoices("MEDIATOR_PROACTIVE_INTERVAL"))
    """How often each instance looks for due reminders and follow-ups (0 disables)."""
    seed_demo: bool = Field(default=False, validation_alias=AliasChoices("MEDIATOR_SEED_DEMO"))
    retention_days: int = Field(default=365 * 6, validation_alias=AliasChoices("MEDIATOR_RETENTION_DAYS"))

    @property
    def llm_enabled(self) -> bool:
        return bool(self.openai_base_url or self.openai_api_key)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
