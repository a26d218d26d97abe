"""Admin API: open opportunities, move them, issue offers, grant portal access."""

from uuid import uuid4

from fastapi import APIRouter, Response, status

from portalflow_config.application import flows, opportunities
from portalflow_config.application.unit_of_work import Caller
from portalflow_config.entrypoints.deps import IfMatch, OpportunityReader, OpportunityWriter, Pool
from portalflow_config.entrypoints.opportunity_schemas import (
    ContractCreate,
    ContractPublic,
    DrawingPublic,
    FieldValue,
    InstallerAssignment,
    OfferCreate,
    OfferPublic,
    OpportunityCreate,
    OpportunityPublic,
    PortalAccessPublic,
    SubstateMove,
)
from portalflow_config.entrypoints.problem_schemas import REFUSALS
from portalflow_contracts.events.opportunity import (
    InstallerAssigned,
    OfferIssued,
    OpportunityOpened,
)
from portalflow_eventing.checked_input import CheckedRoute

router = APIRouter(prefix="/v1/opportunities", tags=["opportunities"],
                   route_class=CheckedRoute, responses=REFUSALS)


async def _respond(pool, caller: Caller, opportunity_id: str,
                   response: Response) -> OpportunityPublic:
    async with pool.acquire() as conn:
        current, version = await opportunities.load_opportunity(conn, caller.org_id,
                                                                opportunity_id)
    response.headers["ETag"] = f'"{version}"'
    return OpportunityPublic(
        opportunity_id=current.opportunity_id, opportunity_type_id=current.opportunity_type_id,
        substate_id=current.substate_id, title=current.title, locale=current.locale,
        offers=current.offers, portal_access=current.portal_access, fields=current.fields,
        installer=current.installer and InstallerAssignment(
            installer=current.installer.installer, visit_at=current.installer.visit_at),
        contracts=[ContractPublic(**c.model_dump(include={"contract_id", "title", "document"}),
                                  signed_document=current.signed_contracts.get(c.contract_id))
                   for c in current.contracts.values()],
        accepted_conditions=current.accepted_conditions,
        drawing=current.drawing and DrawingPublic(roof=current.drawing.roof,
                                                  roof_area_m2=current.drawing.roof_area_m2),
        version=version)


@router.post("", status_code=status.HTTP_201_CREATED, operation_id="open_opportunity")
async def open_opportunity(body: OpportunityCreate, caller: OpportunityWriter, pool: Pool,
                           response: Response) -> OpportunityPublic:
    """Open an opportunity, by default in the first substate of its flow."""
    substate_id = body.substate_id
    if substate_id is None:
        async with pool.acquire() as conn:
            flow, _ = await flows.load_flow(conn, caller.org_id, body.opportunity_type_id)
        substate_id = flow.substate_ids[0]
    command = OpportunityOpened(
        opportunity_id=str(uuid4()), opportunity_type_id=body.opportunity_type_id,
        substate_id=substate_id, title=body.title, locale=body.locale)
    await opportunities.open_opportunity(pool, caller, command)
    return await _respond(pool, caller, command.opportunity_id, response)


@router.get("/{opportunity_id}", operation_id="get_opportunity")
async def get_opportunity(opportunity_id: str, caller: OpportunityReader, pool: Pool,
                          response: Response) -> OpportunityPublic:
    """An opportunity: where it is in its flow and its offers; the ETag is its version."""
    return await _respond(pool, caller, opportunity_id, response)


@router.post("/{opportunity_id}/substate", operation_id="move_opportunity")
async def move_opportunity(opportunity_id: str, body: SubstateMove, caller: OpportunityWriter,
                           pool: Pool, if_match: IfMatch,
                           response: Response) -> OpportunityPublic:
    """Move the opportunity to another substate, with the operator's reason."""
    await opportunities.move(pool, caller, opportunity_id, body.substate_id, body.reason,
                             if_match)
    return await _respond(pool, caller, opportunity_id, response)


@router.post("/{opportunity_id}/offers", status_code=status.HTTP_201_CREATED,
             operation_id="issue_offer")
async def issue_offer(opportunity_id: str, body: OfferCreate, caller: OpportunityWriter,
                      pool: Pool, if_match: IfMatch, response: Response) -> OfferPublic:
    """Issue an offer the customer can accept in the portal's offer panel."""
    command = OfferIssued(opportunity_id=opportunity_id, offer_id=str(uuid4()),
                          **body.model_dump())
    version = await opportunities.issue_offer(pool, caller, command, if_match)
    response.headers["ETag"] = f'"{version}"'
    return OfferPublic(offer_id=command.offer_id, version=version)


@router.post("/{opportunity_id}/portal-access", status_code=status.HTTP_201_CREATED,
             operation_id="grant_portal_access")
async def grant_portal_access(opportunity_id: str, caller: OpportunityWriter, pool: Pool,
                              response: Response) -> PortalAccessPublic:
    """Grant the customer portal access; the token is in this answer and nowhere else."""
    token, version = await opportunities.grant_portal_access(pool, caller, opportunity_id)
    response.headers["ETag"] = f'"{version}"'
    response.headers["Cache-Control"] = "no-store"
    return PortalAccessPublic(token=token, version=version)


@router.put("/{opportunity_id}/fields/{field_id}", operation_id="set_field_value")
async def set_field_value(opportunity_id: str, field_id: str, body: FieldValue,
                          caller: OpportunityWriter, pool: Pool, if_match: IfMatch,
                          response: Response) -> OpportunityPublic:
    """Set a dynamic field's value; a file field takes an uploaded document's reference."""
    await opportunities.set_field_value(pool, caller, opportunity_id, field_id, body.value,
                                        if_match)
    return await _respond(pool, caller, opportunity_id, response)


@router.put("/{opportunity_id}/installer", operation_id="assign_installer")
async def assign_installer(opportunity_id: str, body: InstallerAssignment,
                           caller: OpportunityWriter, pool: Pool, if_match: IfMatch,
                           response: Response) -> OpportunityPublic:
    """Assign the installer and the visit date the customer sees."""
    await opportunities.assign_installer(pool, caller, InstallerAssigned(
        opportunity_id=opportunity_id, **body.model_dump()), if_match)
    return await _respond(pool, caller, opportunity_id, response)


@router.post("/{opportunity_id}/contracts", status_code=status.HTTP_201_CREATED,
             operation_id="issue_contract")
async def issue_contract(opportunity_id: str, body: ContractCreate, caller: OpportunityWriter,
                         pool: Pool, if_match: IfMatch, response: Response) -> OpportunityPublic:
    """Issue a contract for the customer to download, sign and upload back."""
    await opportunities.issue_contract(pool, caller, opportunity_id, body.title,
                                       body.document_id, if_match)
    return await _respond(pool, caller, opportunity_id, response)


@router.delete("/{opportunity_id}/portal-access", operation_id="revoke_portal_access")
async def revoke_portal_access(opportunity_id: str, caller: OpportunityWriter, pool: Pool,
                               if_match: IfMatch, response: Response) -> OpportunityPublic:
    """Revoke every portal access token of the opportunity."""
    await opportunities.revoke_portal_access(pool, caller, opportunity_id, if_match)
    return await _respond(pool, caller, opportunity_id, response)
