"""Admin API: the org's dynamic fields, conditions and portal settings."""

from uuid import uuid4

from fastapi import APIRouter, Response, status

from portalflow_config.application import catalog
from portalflow_config.domain.catalog import Condition, DynamicField, PortalSettings
from portalflow_config.entrypoints.catalog_schemas import (
    ConditionPublic,
    ConditionTexts,
    DynamicFieldCreate,
    DynamicFieldPublic,
    DynamicFieldUpdate,
    PortalSettingsBody,
    PortalSettingsPublic,
)
from portalflow_config.entrypoints.deps import FlowEditor, FlowReader, IfMatch, Pool
from portalflow_config.entrypoints.problem_schemas import REFUSALS
from portalflow_contracts.events.catalog import (
    DynamicFieldDefined,
    DynamicFieldUpdated,
    PortalSettingsSaved,
)
from portalflow_eventing.checked_input import CheckedRoute

router = APIRouter(tags=["settings"], route_class=CheckedRoute, responses=REFUSALS)
CREATED = status.HTTP_201_CREATED


def _etag(response: Response, public):
    response.headers["ETag"] = public.etag
    return public


def _field(item: DynamicField, version: int) -> DynamicFieldPublic:
    return DynamicFieldPublic(field_id=item.field_id, key=item.key, label=item.label,
                              type=item.type, options=list(item.options),
                              retired=item.retired, etag=f'"{version}"')


def _condition(item: Condition, version: int) -> ConditionPublic:
    return ConditionPublic(condition_id=item.condition_id, title=item.title, text=item.text,
                           version=item.version, retired=item.retired, etag=f'"{version}"')


def _settings(item: PortalSettings, version: int) -> PortalSettingsPublic:
    return PortalSettingsPublic(**vars(item), etag=f'"{version}"')


async def _read(pool, caller):
    async with pool.acquire() as conn:
        return await catalog.load_catalog_versions(conn, caller.org_id)


@router.post("/v1/dynamic-fields", status_code=CREATED, operation_id="define_dynamic_field")
async def define_dynamic_field(body: DynamicFieldCreate, caller: FlowEditor, pool: Pool,
                               response: Response) -> DynamicFieldPublic:
    """Define a dynamic field that substates' panels can bind."""
    command = DynamicFieldDefined(field_id=str(uuid4()), key=body.key, label=body.label,
                                  field_type=body.type, options=tuple(body.options))
    return _etag(response, _field(*await catalog.define_field(pool, caller, command)))


@router.get("/v1/dynamic-fields", operation_id="list_dynamic_fields")
async def list_dynamic_fields(caller: FlowReader, pool: Pool,
                              include_retired: bool = False) -> list[DynamicFieldPublic]:
    """The org's dynamic fields in the order they were defined."""
    current, versions = await _read(pool, caller)
    return [_field(f, versions[i]) for i, f in current.fields.items()
            if include_retired or not f.retired]


@router.get("/v1/dynamic-fields/{field_id}", operation_id="get_dynamic_field")
async def get_dynamic_field(field_id: str, caller: FlowReader, pool: Pool,
                            response: Response) -> DynamicFieldPublic:
    """One dynamic field; the ETag is its version."""
    current, versions = await _read(pool, caller)
    return _etag(response, _field(current.require_field(field_id), versions[field_id]))


@router.put("/v1/dynamic-fields/{field_id}", operation_id="update_dynamic_field")
async def update_dynamic_field(field_id: str, body: DynamicFieldUpdate, caller: FlowEditor,
                               pool: Pool, if_match: IfMatch,
                               response: Response) -> DynamicFieldPublic:
    """Replace a field's label and options; its key and type never change."""
    command = DynamicFieldUpdated(field_id=field_id, label=body.label,
                                  options=tuple(body.options))
    return _etag(response, _field(*await catalog.update_field(
        pool, caller, command, if_match, key=body.key, field_type=body.type)))


@router.post("/v1/dynamic-fields/{field_id}/retire", operation_id="retire_dynamic_field")
async def retire_dynamic_field(field_id: str, caller: FlowEditor, pool: Pool,
                               if_match: IfMatch, response: Response) -> DynamicFieldPublic:
    """Retire a field: no new bindings; its key becomes free; values already set stay."""
    return _etag(response, _field(*await catalog.retire_field(pool, caller, field_id,
                                                              if_match)))


@router.post("/v1/conditions", status_code=CREATED, operation_id="publish_condition")
async def publish_condition(body: ConditionTexts, caller: FlowEditor, pool: Pool,
                            response: Response) -> ConditionPublic:
    """Publish a condition customers must accept, at version 1."""
    return _etag(response, _condition(*await catalog.publish_condition(
        pool, caller, str(uuid4()), body.title, body.text)))


@router.get("/v1/conditions", operation_id="list_conditions")
async def list_conditions(caller: FlowReader, pool: Pool,
                          include_retired: bool = False) -> list[ConditionPublic]:
    """The org's conditions in the order they were published."""
    current, versions = await _read(pool, caller)
    return [_condition(c, versions[i]) for i, c in current.conditions.items()
            if include_retired or not c.retired]


@router.get("/v1/conditions/{condition_id}", operation_id="get_condition")
async def get_condition(condition_id: str, caller: FlowReader, pool: Pool,
                        response: Response) -> ConditionPublic:
    """One condition at its current version; the ETag is its stream version."""
    current, versions = await _read(pool, caller)
    return _etag(response, _condition(current.require_condition(condition_id),
                                      versions[condition_id]))


@router.post("/v1/conditions/{condition_id}/revisions", status_code=CREATED,
             operation_id="revise_condition")
async def revise_condition(condition_id: str, body: ConditionTexts, caller: FlowEditor,
                           pool: Pool, if_match: IfMatch, response: Response) -> ConditionPublic:
    """Publish the next version: customers who accepted an older one must accept again."""
    return _etag(response, _condition(*await catalog.revise_condition(
        pool, caller, condition_id, body.title, body.text, if_match)))


@router.post("/v1/conditions/{condition_id}/retire", operation_id="retire_condition")
async def retire_condition(condition_id: str, caller: FlowEditor, pool: Pool,
                           if_match: IfMatch, response: Response) -> ConditionPublic:
    """Retire a condition: it can no longer be asked for or revised."""
    return _etag(response, _condition(*await catalog.retire_condition(
        pool, caller, condition_id, if_match)))


@router.get("/v1/portal-settings", operation_id="get_portal_settings")
async def get_portal_settings(caller: FlowReader, pool: Pool,
                              response: Response) -> PortalSettingsPublic:
    """The org's portal settings; defaults (ETag "0") until first saved."""
    current, versions = await _read(pool, caller)
    version = versions.get(catalog.settings_stream(caller.org_id), 0)
    return _etag(response, _settings(current.settings, version))


@router.put("/v1/portal-settings", operation_id="save_portal_settings")
async def save_portal_settings(body: PortalSettingsBody, caller: FlowEditor, pool: Pool,
                               if_match: IfMatch, response: Response) -> PortalSettingsPublic:
    """Save the portal settings whole: locales, end-of-process texts, reactivation, branding."""
    command = PortalSettingsSaved(**body.model_dump())
    return _etag(response, _settings(*await catalog.save_portal_settings(
        pool, caller, command, if_match)))
