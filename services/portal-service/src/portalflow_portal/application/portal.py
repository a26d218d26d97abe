"""The customer's read: the portal view of the opportunity their token opens."""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg
from pydantic_core import to_json

from portalflow_portal.adapters import snapshot
from portalflow_portal.domain import view
from portalflow_portal.domain.errors import NotFoundError
from portalflow_portal.domain.locales import preferred


@dataclass(frozen=True)
class Seen:
    """A view, as JSON and its strong ETag, and the org of its opportunity, whose changes
    concern it too."""

    org_id: str
    body: bytes
    etag: str

    @property
    def view(self) -> dict:
        return json.loads(self.body)


class Views:
    """Reads portal views, reusing the last one built for an opportunity and locales while the
    row it was built from is unchanged.

    A view is a pure function of its snapshot row and the locales asked for, so every read
    still takes the row from PostgreSQL in one round trip (a stale view is impossible) and only
    the parsing, building and serialising are saved: most of a read's CPU.
    """

    def __init__(self, pool: asyncpg.Pool, default_locale: str, capacity: int = 1024) -> None:
        self.pool, self.default_locale, self.capacity = pool, default_locale, capacity
        self._built: dict[tuple[str, tuple[str, ...]], tuple[tuple, Seen]] = {}

    async def read(self, token: str, opportunity_id: str,
                   accepted_locales: Sequence[str]) -> Seen:
        """The portal view of the opportunity the token opens; NotFoundError for any other."""
        async with self.pool.acquire() as conn:
            row = await snapshot.fetch(conn, token, opportunity_id)
        if row is None:
            raise NotFoundError(f"opportunity {opportunity_id} not found for this access token")
        key, values = (opportunity_id, tuple(accepted_locales)), tuple(row)
        built = self._built.get(key)
        if built is not None and built[0] == values:
            return built[1]
        seen = self._build(row, accepted_locales)
        if len(self._built) >= self.capacity:
            del self._built[next(iter(self._built))]  # the oldest built
        self._built[key] = (values, seen)
        return seen

    def _build(self, row: asyncpg.Record, accepted_locales: Sequence[str]) -> Seen:
        opportunity = snapshot.parsed(row)
        settings = opportunity["settings"]
        catalog = view.Catalog(settings, opportunity["catalog_fields"],
                               opportunity["catalog_conditions"])
        locales = preferred(accepted_locales, opportunity["locale"], settings,
                            self.default_locale)
        built = view.build(opportunity["definition"], opportunity, locales, catalog)
        # Built of JSON values and tested against the PortalView schema: serialised as it is,
        # since validating it again would double the cost of a read.
        body = to_json(built)
        return Seen(row["org_id"], body, f'"{hashlib.sha256(body).hexdigest()[:32]}"')

