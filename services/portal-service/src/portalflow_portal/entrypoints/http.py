"""The customer API's read: the portal view, with an ETag for conditional requests."""

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response, status

from portalflow_portal.application import portal
from portalflow_portal.entrypoints.deps import Locales, Pool, Token
from portalflow_portal.entrypoints.schemas import PortalView, rendered

router = APIRouter(prefix="/v1/portal/opportunities/{opportunity_id}", tags=["portal"])

# The view depends on who asks and in which language; only the customer's browser may keep it.
VIEW_HEADERS = {"Cache-Control": "private, no-cache", "Vary": "Authorization, Accept-Language"}


def _matches(if_none_match: str | None, etag: str) -> bool:
    """Whether If-None-Match names `etag` (weakly compared, as RFC 9110 asks for GET)."""
    if not if_none_match:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags


@router.get("", operation_id="get_portal_view", response_model=PortalView,
            responses={status.HTTP_304_NOT_MODIFIED: {"description": "Unchanged since the ETag"
                                                                     " given in If-None-Match."}})
async def get_portal_view(opportunity_id: str, token: Token, locales: Locales, pool: Pool,
                          request: Request,
                          if_none_match: Annotated[str | None, Header()] = None) -> Response:
    """What the customer sees now: the steps, the current one, its panel and conditions."""
    view = await portal.get_view(pool, token, opportunity_id, locales,
                                 request.app.state.settings.default_locale)
    body, etag = rendered(view)
    headers = {**VIEW_HEADERS, "ETag": etag}
    if _matches(if_none_match, etag):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(body, media_type="application/json", headers=headers)
