"""portal-service settings, from the environment."""

from pathlib import Path

from portalflow_eventing.settings import EventingSettings
from pydantic import Field

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


class Settings(EventingSettings):
    database_url: str = "postgresql://postgres@127.0.0.1:5432/portalflow_portal"
    default_locale: str = Field("es", description="Used when neither customer nor opportunity "
                                                 "names a locale the texts have.")
