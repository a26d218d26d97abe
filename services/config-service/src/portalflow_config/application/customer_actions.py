"""Customer events from the portal, applied to the opportunity or recorded as rejected.

They are applied inside the idempotent consumer's transaction: the events appended here commit
together with the customer events' ids, so a redelivery changes nothing. A batch costs two
round trips whatever its size: one read of every opportunity it names (with their flows and
their orgs' catalogs) and one append; each action is decided on the situation the ones before
it left its opportunity in.
"""

from collections.abc import Collection, Sequence
from dataclasses import replace
from functools import reduce

import asyncpg

from portalflow_config.adapters import situation_events
from portalflow_config.adapters.repository import fold
from portalflow_config.application.catalog import CATALOG_TYPES, fold_catalog
from portalflow_config.application.unit_of_work import Caller, wrap
from portalflow_config.domain import customer_actions as rules
from portalflow_config.domain import flow as flow_rules
from portalflow_config.domain import opportunity
from portalflow_config.domain.catalog import OrgCatalog
from portalflow_config.domain.errors import CustomerActionRejectedError
from portalflow_config.domain.flow import OpportunityType
from portalflow_config.domain.gating import Situation
from portalflow_contracts.envelope import Envelope
from portalflow_contracts.events.customer import (
    CustomerAcceptedCondition,
    CustomerAcceptedOffer,
    CustomerCompletedStep,
    CustomerEvent,
    CustomerRequestedReactivation,
    CustomerSetFieldValue,
    CustomerSubmittedDrawing,
    CustomerUploadedDocument,
    CustomerUploadedSignedContract,
)
from portalflow_contracts.events.opportunity import CustomerActionRejected
from portalflow_contracts.values import DocumentRef
from portalflow_documents import uploads
from portalflow_eventing import store

RULES: dict[str, tuple[type[CustomerEvent], rules.Rule]] = {
    CustomerSetFieldValue.type: (CustomerSetFieldValue, rules.set_field_value),
    CustomerUploadedDocument.type: (CustomerUploadedDocument, rules.set_field_value),
    CustomerAcceptedCondition.type: (CustomerAcceptedCondition, rules.accept_condition),
    CustomerCompletedStep.type: (CustomerCompletedStep, rules.complete_step),
    CustomerSubmittedDrawing.type: (CustomerSubmittedDrawing, rules.submit_drawing),
    CustomerAcceptedOffer.type: (CustomerAcceptedOffer, rules.accept_offer),
    CustomerUploadedSignedContract.type: (CustomerUploadedSignedContract,
                                          rules.receive_signed_contract),
    CustomerRequestedReactivation.type: (CustomerRequestedReactivation,
                                         rules.request_reactivation),
}
"""Each customer event type: its model and the rule that decides it."""

KEEPS_DOCUMENT = frozenset({CustomerUploadedDocument.type, CustomerUploadedSignedContract.type})
"""Customer uploads the back office may read once accepted (the blob store is shared)."""

Situations = dict[tuple[str, str], tuple[Situation, int]]
"""(org id, opportunity id) → the opportunity's situation and its stream's version."""


async def apply_customer_events(conn: asyncpg.Connection, envelopes: Sequence[Envelope]) -> None:
    """Apply customer events in order: each one's events, or the rejection that says why not."""
    # The append lock, taken before reading, keeps the opportunities and their flows as read
    # until we commit: no concurrent move, and no removal of a substate a transition points at.
    await store.lock_for_append(conn)
    actions = [(e, RULES[e.type][0].model_validate(e.data)) for e in envelopes]
    situations = await load_situations(
        conn, {(envelope.org_id, action.opportunity_id) for envelope, action in actions})
    appended = []
    for envelope, action in actions:
        caused = decide(situations, envelope, action)
        if envelope.type in KEEPS_DOCUMENT and all(
                e.type != CustomerActionRejected.type for _, e in caused):
            await uploads.record(conn, DocumentRef.model_validate(envelope.data["document"]),
                                 org_id=envelope.org_id, opportunity_id=envelope.subject,
                                 uploaded_by=envelope.actor or "")
        appended += caused
    await store.append_at(conn, appended)


async def apply_customer_event(conn: asyncpg.Connection, envelope: Envelope) -> None:
    """Apply one customer event: the handler of each customer event type."""
    await apply_customer_events(conn, [envelope])


def decide(situations: Situations, envelope: Envelope,
           action: CustomerEvent) -> list[tuple[int, Envelope]]:
    """The events the action causes, at their versions in the opportunity's stream: the rule's,
    or a rejection. `situations` moves on past them, for the actions after this one."""
    key = (envelope.org_id, action.opportunity_id)
    situation, version = situations[key]
    try:
        events = RULES[envelope.type][1](situation, action, envelope.id)
    except CustomerActionRejectedError as rejection:
        events = [CustomerActionRejected(
            opportunity_id=action.opportunity_id, customer_event_id=envelope.id,
            customer_event_type=envelope.type, reason=str(rejection))]
    situations[key] = (
        replace(situation, opportunity=reduce(opportunity.evolve, events, situation.opportunity)),
        version + len(events))
    caller = Caller(org_id=envelope.org_id, actor=envelope.actor or "customer",
                    correlation_id=envelope.correlation_id, causation_id=envelope.id)
    return list(enumerate(wrap(caller, action.opportunity_id, events), start=version + 1))


async def load_situations(conn: asyncpg.Connection,
                          opportunities: Collection[tuple[str, str]]) -> Situations:
    """The situation of each (org id, opportunity id), in one round trip; NotFoundError if an
    opportunity does not exist in that org. Each flow and each catalog is folded once."""
    rows = await situation_events.load(conn, {o for _, o in opportunities},
                                       {org for org, _ in opportunities}, CATALOG_TYPES)
    flows: dict[tuple[str, str], OpportunityType] = {}
    catalogs: dict[str, OrgCatalog] = {}
    situations = {}
    for org_id, opportunity_id in opportunities:
        current, version = fold(rows["opportunity"][opportunity_id], opportunity_id, org_id,
                                opportunity.evolve, "opportunity")
        type_id = current.opportunity_type_id
        if (org_id, type_id) not in flows:
            flows[org_id, type_id], _ = fold(rows["flow"][type_id], type_id, org_id,
                                             flow_rules.evolve, "opportunity type")
        if org_id not in catalogs:
            catalogs[org_id], _ = fold_catalog(rows["catalog"][org_id])
        situations[org_id, opportunity_id] = (
            Situation(current, flows[org_id, type_id], catalogs[org_id]), version)
    return situations
