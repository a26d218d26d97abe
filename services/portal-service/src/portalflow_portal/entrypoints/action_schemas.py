"""Request and response bodies of the customer's actions."""

from typing import Any

from pydantic import BaseModel, Field

from portalflow_contracts.values import DocumentRef
from portalflow_eventing.checked_input import MAX_INTEGER
from portalflow_eventing.problems import Problem

SQUARE_ROOF = {"type": "FeatureCollection", "features": [{
    "type": "Feature", "properties": {"name": "south face"},
    "geometry": {"type": "Polygon", "coordinates": [[
        [-3.7038, 40.4168], [-3.7037, 40.4168], [-3.7037, 40.4169], [-3.7038, 40.4169],
        [-3.7038, 40.4168]]]}}]}


class FieldValueUpdate(BaseModel):
    value: Any = Field(description="Checked against the field's type: text, a number, "
                                   "yyyy-mm-dd, true/false or one of a select's options; "
                                   "null clears. File fields take uploads instead.",
                       examples=["ES12 3456 7890"])


class ConditionAcceptance(BaseModel):
    version: int = Field(ge=1, le=MAX_INTEGER,
                         description="The version of the condition's text the customer "
                                     "read; it must be the current one.", examples=[1])


class DrawingUpdate(BaseModel):
    roof: dict = Field(description="GeoJSON FeatureCollection of Polygon or MultiPolygon "
                                   "features, [longitude, latitude] in WGS84.",
                       examples=[SQUARE_ROOF])


class Accepted(BaseModel):
    customer_event_id: str = Field(description="Id of the customer event emitted.")


class DocumentAccepted(Accepted):
    document: DocumentRef = Field(description="The document as stored.")


class DrawingAccepted(Accepted):
    roof_area_m2: float = Field(description="Geodesic area of the roof's polygons.")


class MissingField(BaseModel):
    field_id: str
    key: str
    label: str | None


class MissingCondition(BaseModel):
    condition_id: str
    version: int = Field(description="The version to accept.")
    title: str | None


class Missing(BaseModel):
    fields: list[MissingField] = Field(description="Required fields without a value.")
    conditions: list[MissingCondition] = Field(
        description="Conditions not accepted at their current version.")


class StepIncomplete(Problem):
    """A 422 of `complete`: the step's problem details, with what is missing."""

    missing: Missing | None = Field(
        None, description="What the step still needs; absent when a value was not accepted.")
