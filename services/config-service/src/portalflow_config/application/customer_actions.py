"""Customer events from the portal, applied to the opportunity or recorded as rejected.

Each handler runs inside the idempotent consumer's transaction: the events appended here
commit together with the customer event's id, so a redelivery changes nothing.
"""

import asyncpg

from portalflow_config.adapters import situation_events
from portalflow_config.adapters.repository import fold
from portalflow_config.application.catalog import CATALOG_TYPES, fold_catalog
from portalflow_config.application.unit_of_work import Caller, append
from portalflow_config.domain import customer_actions as rules
from portalflow_config.domain import flow as flow_rules
from portalflow_config.domain import opportunity
from portalflow_config.domain.errors import CustomerActionRejectedError
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


async def _apply(conn: asyncpg.Connection, envelope: Envelope, model: type[CustomerEvent],
                 rule: rules.Rule) -> list:
    """Load the opportunity, its flow and the catalog; append the rule's events or a rejection."""
    action = model.model_validate(envelope.data)
    caller = Caller(org_id=envelope.org_id, actor=envelope.actor or "customer",
                    correlation_id=envelope.correlation_id, causation_id=envelope.id)
    # The consumer took the append lock before its transaction's first event (consumers.
    # BEFORE_APPLYING): it keeps the opportunity and its flow still until we commit: no
    # concurrent move, and no removal of the substate a transition points at.
    situation, version = await load_situation(conn, caller.org_id, action.opportunity_id)
    try:
        events = rule(situation, action, envelope.id)
    except CustomerActionRejectedError as rejection:
        events = [CustomerActionRejected(
            opportunity_id=action.opportunity_id, customer_event_id=envelope.id,
            customer_event_type=envelope.type, reason=str(rejection))]
    await append(conn, caller, action.opportunity_id, version, events, locked=True)
    return events


async def load_situation(conn: asyncpg.Connection, org_id: str,
                         opportunity_id: str) -> tuple[Situation, int]:
    """The opportunity and its version, its flow and the org's catalog, in one round trip."""
    events = await situation_events.load(conn, opportunity_id, org_id, CATALOG_TYPES)
    current, version = fold(events["opportunity"], opportunity_id, org_id, opportunity.evolve,
                            "opportunity")
    flow, _ = fold(events["flow"], current.opportunity_type_id, org_id, flow_rules.evolve,
                   "opportunity type")
    catalog, _ = fold_catalog(events["catalog"])
    return Situation(current, flow, catalog), version


async def _keep_document(conn: asyncpg.Connection, envelope: Envelope, events: list,
                         document: dict) -> None:
    """Let the back office read an accepted customer upload (the blob store is shared)."""
    if not any(isinstance(event, CustomerActionRejected) for event in events):
        await uploads.record(conn, DocumentRef.model_validate(document), org_id=envelope.org_id,
                             opportunity_id=envelope.subject, uploaded_by=envelope.actor or "")


async def on_customer_set_field_value(conn: asyncpg.Connection, envelope: Envelope) -> None:
    """Set a field of the current panel to the customer's value."""
    await _apply(conn, envelope, CustomerSetFieldValue, rules.set_field_value)


async def on_customer_uploaded_document(conn: asyncpg.Connection, envelope: Envelope) -> None:
    """Set a file field of the current panel to the customer's document."""
    events = await _apply(conn, envelope, CustomerUploadedDocument, rules.set_field_value)
    await _keep_document(conn, envelope, events, envelope.data["document"])


async def on_customer_accepted_condition(conn: asyncpg.Connection, envelope: Envelope) -> None:
    """Record a condition accepted; an information step may move on."""
    await _apply(conn, envelope, CustomerAcceptedCondition, rules.accept_condition)


async def on_customer_completed_step(conn: asyncpg.Connection, envelope: Envelope) -> None:
    """Complete a documentation step and move to the mapped substate."""
    await _apply(conn, envelope, CustomerCompletedStep, rules.complete_step)


async def on_customer_submitted_drawing(conn: asyncpg.Connection, envelope: Envelope) -> None:
    """Record the customer's roof drawing."""
    await _apply(conn, envelope, CustomerSubmittedDrawing, rules.submit_drawing)


async def on_customer_accepted_offer(conn: asyncpg.Connection, envelope: Envelope) -> None:
    """Accept the offer and reject the others."""
    await _apply(conn, envelope, CustomerAcceptedOffer, rules.accept_offer)


async def on_customer_uploaded_signed_contract(conn: asyncpg.Connection,
                                               envelope: Envelope) -> None:
    """Record the signed copy of a contract."""
    events = await _apply(conn, envelope, CustomerUploadedSignedContract,
                          rules.receive_signed_contract)
    await _keep_document(conn, envelope, events, envelope.data["document"])


async def on_customer_requested_reactivation(conn: asyncpg.Connection,
                                             envelope: Envelope) -> None:
    """Reactivate a failed opportunity."""
    await _apply(conn, envelope, CustomerRequestedReactivation, rules.request_reactivation)
