"""config-service settings, from the environment."""

from pathlib import Path

from pydantic import Field, model_validator

from portalflow_documents import settings as documents
from portalflow_documents.settings import DocumentSettings
from portalflow_eventing.settings import EventingSettings

DEV_JWT_SECRET = "portalflow-development-secret-not-for-production"
MIGRATIONS = (Path(__file__).resolve().parents[2] / "migrations", documents.MIGRATIONS)


class Settings(EventingSettings, DocumentSettings):
    database_url: str = "postgresql://postgres@127.0.0.1:5432/portalflow_config"
    jwt_secret: str = Field(DEV_JWT_SECRET, description="HS256 key of the admin API's tokens.")
    jwt_audience: str = "portalflow-admin"

    @model_validator(mode="after")
    def _no_default_secret_outside_development(self) -> "Settings":
        if self.environment != "development" and self.jwt_secret == DEV_JWT_SECRET:
            raise ValueError("JWT_SECRET must be set outside development")
        return self
