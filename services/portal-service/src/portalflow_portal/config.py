"""portal-service settings, from the environment."""

from pathlib import Path

from pydantic import Field

from portalflow_documents import settings as documents
from portalflow_documents.settings import DocumentSettings
from portalflow_eventing.settings import EventingSettings

MIGRATIONS = (Path(__file__).resolve().parents[2] / "migrations", documents.MIGRATIONS)


class Settings(EventingSettings, DocumentSettings):
    database_url: str = "postgresql://postgres@127.0.0.1:5432/portalflow_portal"
    default_locale: str = Field("es", description="Used when neither customer nor opportunity "
                                                 "names a locale the texts have.")
    idempotency_key_ttl_seconds: float = Field(
        24 * 60 * 60, description="How long an Idempotency-Key replays its first answer; "
                                  "older keys are forgotten (and deleted) when next looked up.")
