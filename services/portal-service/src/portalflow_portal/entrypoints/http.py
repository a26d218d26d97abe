"""The customer API's read: the portal view, with an ETag for conditional requests."""

from fastapi import APIRouter, Request, Response, status

from portalflow_eventing.checked_input import CheckedRoute
from portalflow_portal.entrypoints.deps import DOCUMENTED_PARAMETERS, accepted_locales, bearer_token
from portalflow_portal.entrypoints.problem_schemas import READS
from portalflow_portal.entrypoints.schemas import PortalView

router = APIRouter(prefix="/v1/portal/opportunities/{opportunity_id}", tags=["portal"],
                   route_class=CheckedRoute, responses=READS)

# Personal data, which depends on who asks and in which language: no cache may keep it (a
# client that kept the ETag itself still gets 304).
VIEW_HEADERS = {"Cache-Control": "no-store", "Vary": "Authorization, Accept-Language"}


def _matches(if_none_match: str | None, etag: str) -> bool:
    """Whether If-None-Match names `etag` (weakly compared, as RFC 9110 asks for GET)."""
    if not if_none_match:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags


@router.get("", operation_id="get_portal_view", response_model=PortalView,
            openapi_extra=DOCUMENTED_PARAMETERS,
            responses={status.HTTP_304_NOT_MODIFIED: {"description": "Unchanged since the ETag"
                                                                     " given in If-None-Match."}})
async def get_portal_view(request: Request) -> Response:
    """What the customer sees now: the steps, the current one, its panel and conditions."""
    # Read here, not by FastAPI's parameters: this is the hottest route (DOCUMENTED_PARAMETERS).
    headers = request.headers
    seen = await request.app.state.views.read(bearer_token(headers.get("authorization")),
                                              request.path_params["opportunity_id"],
                                              accepted_locales(headers.get("accept-language")))
    response_headers = {**VIEW_HEADERS, "ETag": seen.etag}
    if _matches(headers.get("if-none-match"), seen.etag):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=response_headers)
    return Response(seen.body, media_type="application/json", headers=response_headers)
