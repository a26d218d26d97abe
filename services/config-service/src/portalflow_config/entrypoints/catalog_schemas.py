"""Request and response bodies of the catalog routes: dynamic fields, conditions, settings."""

from pydantic import BaseModel, ConfigDict, Field

from portalflow_contracts.events.catalog import (
    MAX_OPTIONS,
    Branding,
    EndOfProcessTexts,
    FieldKey,
    LongLocalizedText,
    SelectOption,
)
from portalflow_contracts.values import MAX_LOCALES, STRICT, FieldType, Locale, LocalizedText

ETAG = Field(description="Send it back as `If-Match` to change this item.", examples=['"1"'])


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SelectOptionBody(SelectOption):
    """A select option as a request gives it: unknown fields refused."""

    model_config = STRICT


class EndOfProcessTextsBody(EndOfProcessTexts):
    """End-of-process texts as a request gives them: unknown fields refused."""

    model_config = STRICT


class BrandingBody(Branding):
    """Branding as a request gives it: unknown fields refused."""

    model_config = STRICT


class DynamicFieldCreate(Body):
    """A new dynamic field ("Campos dinámicos")."""

    key: FieldKey
    label: LocalizedText
    type: FieldType = Field(description="Never changes once the field is defined.")
    options: list[SelectOptionBody] = Field(
        default_factory=list, max_length=MAX_OPTIONS,
        description="Select fields only: at least one, unique values.")


class DynamicFieldUpdate(Body):
    """A field's new label and options; key and type may be restated but never change."""

    label: LocalizedText
    options: list[SelectOptionBody] = Field(default_factory=list, max_length=MAX_OPTIONS)
    key: FieldKey | None = None
    type: FieldType | None = None


class DynamicFieldPublic(BaseModel):
    field_id: str
    key: str
    label: LocalizedText
    type: FieldType
    options: list[SelectOption]
    retired: bool
    etag: str = ETAG


class ConditionTexts(Body):
    """What the customer reads and accepts ("Gestión de Condiciones")."""

    title: LocalizedText
    text: LongLocalizedText


class ConditionPublic(BaseModel):
    condition_id: str
    title: LocalizedText
    text: LongLocalizedText
    version: int = Field(description="The version a customer accepts: 1, 2, …")
    retired: bool
    etag: str = ETAG


class PortalSettingsBody(Body):
    """The org's portal settings ("Ajustes → Portal de Cliente"), saved whole."""

    locales: list[Locale] = Field(min_length=1, max_length=MAX_LOCALES,
                                  description="Supported locales.")
    default_locale: Locale = Field(description="One of `locales`: the fallback of every text.")
    end_of_process_texts: EndOfProcessTextsBody = EndOfProcessTextsBody()
    reactivation_enabled: bool = Field(
        False, description="Whether `finalization-failed` shows the reactivation button.")
    branding: BrandingBody | None = None


class PortalSettingsPublic(PortalSettingsBody):
    etag: str = ETAG
