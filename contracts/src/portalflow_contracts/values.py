"""Value types shared by many events."""

import json
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

# Bounds on what goes into an event, so that every event stays far below the event size
# limit; requests are refused with a 422 naming the field before any event is written.
MAX_LOCALES = 20
MAX_NAME = 200
MAX_JSON_BYTES = 256 * 1024


def json_at_most(limit: int):
    """A validator refusing a value that takes more than `limit` bytes in an event's JSON."""
    def check(value: Any) -> Any:
        # Measured as the envelope writes it (non-ASCII escaped), not as the request sent it.
        if (size := len(json.dumps(value, default=str))) > limit:
            raise ValueError(f"takes {size:,} bytes as JSON; at most {limit:,} are accepted")
        return value
    return AfterValidator(check)


JsonValue = Annotated[Any, json_at_most(MAX_JSON_BYTES)]
JsonObject = Annotated[dict, json_at_most(MAX_JSON_BYTES)]
Id = Annotated[str, StringConstraints(max_length=100)]
Name = Annotated[str, StringConstraints(max_length=MAX_NAME)]

Locale = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z]{2}(-[A-Z]{2})?$"),
    Field(description="BCP 47 language tag such as `es` or `it`.", examples=["es"]),
]
LocalizedText = Annotated[
    dict[Locale, Annotated[str, StringConstraints(min_length=1, max_length=2000)]],
    Field(
        max_length=MAX_LOCALES,
        description="One text per locale; the org's default locale is the fallback.",
        examples=[{"es": "Documentación inicial", "it": "Documentazione iniziale"}],
    ),
]


class PanelKey(StrEnum):
    """The views a substate can show in the portal."""

    INITIAL_DOCUMENTATION = "initial-documentation"
    OFFER_DOCUMENTATION = "offer-documentation"
    FINANCING_DOCUMENTATION = "financing-documentation"
    CONTRACTS_DOCUMENTATION = "contracts-documentation"
    INSTALLATION_DOCUMENTATION = "installation-documentation"
    DRAWING = "drawing"
    OFFER = "offer"
    INSTALLER_VISIT = "installer-visit"
    CONTRACT_SIGNING = "contract-signing"
    FINALIZATION_SUCCESS = "finalization-success"
    FINALIZATION_FAILED = "finalization-failed"


DOCUMENTATION_PANELS = frozenset(p for p in PanelKey if p.value.endswith("-documentation"))


class ExternalAction(StrEnum):
    """Customer actions that can move an opportunity to a configured substate."""

    ACCEPT_BUDGET = "accept-budget"
    SHOW_FLOW_REACTIVATION = "show-flow-reactivation"
    INITIAL_DOCUMENTATION_COMPLETED = "initial-documentation-completed"
    OFFER_DOCUMENTATION_COMPLETED = "offer-documentation-completed"
    FINANCING_DOCUMENTATION_COMPLETED = "financing-documentation-completed"
    CONTRACTS_DOCUMENTATION_COMPLETED = "contracts-documentation-completed"
    INSTALLATION_DOCUMENTATION_COMPLETED = "installation-documentation-completed"
    DRAWING_COMPLETED = "drawing-completed"
    CONTRACT_SIGNED = "contract-signed"
    CONDITIONS_ACCEPTED = "conditions-accepted"


class Frozen(BaseModel):
    """Base of every wire model: immutable; a tolerant reader and a strict writer.

    Unknown fields, which a newer producer may add within a version, are ignored when read;
    what a service writes is the model's dump, exactly the fields the model has. Request
    bodies that embed a wire model use a strict twin (`STRICT`) to refuse unknown fields.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")


STRICT = ConfigDict(extra="forbid", from_attributes=True)
"""The config of a wire model's strict twin in a request body: unknown fields refused, and
an instance of the wire model itself accepted as it is."""


class Cause(Frozen):
    """Why a transition happened."""

    kind: Literal["operator", "external-action", "automatic"]
    action: ExternalAction | None = Field(
        default=None, description="The external action applied, when kind is external-action."
    )
    customer_event_id: Id | None = Field(
        default=None, description="Id of the customer event that triggered the external action."
    )
    reason: str | None = Field(default=None, max_length=500,
                               description="Free text given by an operator.")


class FieldType(StrEnum):
    """Types of dynamic fields; values are validated by type wherever they are set."""

    TEXT = "text"
    LONG_TEXT = "long-text"
    NUMBER = "number"
    DATE = "date"
    BOOLEAN = "boolean"
    SELECT = "select"
    FILE = "file"


class DocumentRef(Frozen):
    """A file in the blob store; events carry this, never the bytes."""

    document_id: Id
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    file_name: str = Field(min_length=1, max_length=255)
    content_type: str = Field(max_length=255)
    size: int = Field(ge=0, description="Bytes.")
