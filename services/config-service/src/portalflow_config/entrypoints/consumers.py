"""Subscribers of config-service: each customer event type and the handler that applies it."""

from portalflow_config.application import customer_actions
from portalflow_contracts.events.customer import (
    CustomerAcceptedCondition,
    CustomerAcceptedOffer,
    CustomerCompletedStep,
    CustomerRequestedReactivation,
    CustomerSetFieldValue,
    CustomerSubmittedDrawing,
    CustomerUploadedDocument,
    CustomerUploadedSignedContract,
)
from portalflow_eventing import store
from portalflow_eventing.consumer import Handler

BEFORE_APPLYING = store.lock_for_append
"""Every handler reads an opportunity, then appends to it, under the append lock: the consumer
takes it once per transaction, before the first event (a round trip saved per later event)."""

HANDLERS: dict[str, Handler] = {
    CustomerSetFieldValue.type: customer_actions.on_customer_set_field_value,
    CustomerUploadedDocument.type: customer_actions.on_customer_uploaded_document,
    CustomerAcceptedCondition.type: customer_actions.on_customer_accepted_condition,
    CustomerCompletedStep.type: customer_actions.on_customer_completed_step,
    CustomerSubmittedDrawing.type: customer_actions.on_customer_submitted_drawing,
    CustomerAcceptedOffer.type: customer_actions.on_customer_accepted_offer,
    CustomerUploadedSignedContract.type: customer_actions.on_customer_uploaded_signed_contract,
    CustomerRequestedReactivation.type: customer_actions.on_customer_requested_reactivation,
}
