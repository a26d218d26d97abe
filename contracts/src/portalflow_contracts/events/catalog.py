"""An org's portal settings and catalogs: dynamic fields and conditions, keyed by org."""

from typing import Annotated

from pydantic import AfterValidator, Field, HttpUrl, StringConstraints

from portalflow_contracts.events.base import Event
from portalflow_contracts.topics import FLOW_DEFINITIONS
from portalflow_contracts.values import (
    MAX_LOCALES,
    FieldType,
    Frozen,
    Id,
    Locale,
    LocalizedText,
)

FieldKey = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,62}$"),
    Field(description="Slug naming the field: lower-case letters, digits, `-` and `_`, "
                      "starting with a letter; unique among the org's active fields.",
          examples=["electricity-bill"]),
]
MAX_OPTIONS, MAX_LONG_TEXTS = 100, 200_000


def _long_texts_at_most(texts: dict[str, str]) -> dict[str, str]:
    if (size := sum(map(len, texts.values()))) > MAX_LONG_TEXTS:
        raise ValueError(f"the texts take {size:,} characters in all locales together; at "
                         f"most {MAX_LONG_TEXTS:,} are accepted")
    return texts


LongLocalizedText = Annotated[
    dict[Locale, Annotated[str, StringConstraints(min_length=1, max_length=50_000)]],
    AfterValidator(_long_texts_at_most),
    Field(max_length=MAX_LOCALES,
          description="A long text per locale, such as a privacy policy; the org's default "
                      "locale is the fallback.",
          examples=[{"es": "Acepto la política de privacidad…"}]),
]
Colour = Annotated[
    str,
    StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$"),
    AfterValidator(str.lower),
    Field(description="An RGB colour as `#rrggbb`.", examples=["#f5a623"]),
]


class SelectOption(Frozen):
    """One choice of a select field."""

    value: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                            max_length=100)] = Field(examples=["monophase"])
    label: LocalizedText


class EndOfProcessTexts(Frozen):
    """"Módulo de final de proceso": what the finalization panels say."""

    success: LocalizedText | None = Field(None, description="Shown by `finalization-success`.")
    failure: LocalizedText | None = Field(None, description="Shown by `finalization-failed`.")


class Branding(Frozen):
    """How the portal presents the org."""

    company_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                   max_length=200)]
    logo_url: HttpUrl | None = Field(None, description="An http or https URL of the logo.")
    colour: Colour | None = None


class CatalogEvent(Event):
    topic = FLOW_DEFINITIONS


class DynamicFieldDefined(CatalogEvent):
    """A new dynamic field ("Campos dinámicos"); its type never changes."""

    type = "portalflow.catalog.dynamic-field-defined.v1"
    field_id: Id
    key: FieldKey
    label: LocalizedText
    field_type: FieldType
    options: tuple[SelectOption, ...] = Field((), max_length=MAX_OPTIONS,
                                              description="The choices of a select field.")


class DynamicFieldUpdated(CatalogEvent):
    """A dynamic field's new label and options, replacing the previous ones."""

    type = "portalflow.catalog.dynamic-field-updated.v1"
    field_id: Id
    label: LocalizedText
    options: tuple[SelectOption, ...] = Field((), max_length=MAX_OPTIONS)


class DynamicFieldRetired(CatalogEvent):
    """The field can no longer be bound or changed; values already set stay."""

    type = "portalflow.catalog.dynamic-field-retired.v1"
    field_id: Id


class ConditionPublished(CatalogEvent):
    """A condition ("Gestión de Condiciones") customers must accept, at version 1."""

    type = "portalflow.catalog.condition-published.v1"
    condition_id: Id
    version: int = Field(ge=1, description="The version a customer accepts.")
    title: LocalizedText
    text: LongLocalizedText


class ConditionRevised(CatalogEvent):
    """New texts for a condition: whoever accepted an older version must accept again."""

    type = "portalflow.catalog.condition-revised.v1"
    condition_id: Id
    version: int = Field(ge=2, description="The new version a customer accepts.")
    title: LocalizedText
    text: LongLocalizedText


class ConditionRetired(CatalogEvent):
    """The condition can no longer be asked for or revised."""

    type = "portalflow.catalog.condition-retired.v1"
    condition_id: Id


class PortalSettingsSaved(CatalogEvent):
    """The org's whole portal settings ("Ajustes → Portal de Cliente")."""

    type = "portalflow.catalog.portal-settings-saved.v1"
    locales: tuple[Locale, ...] = Field(min_length=1, max_length=MAX_LOCALES,
                                        description="Supported locales.")
    default_locale: Locale = Field(description="One of `locales`; the fallback of every text.")
    end_of_process_texts: EndOfProcessTexts = EndOfProcessTexts()
    reactivation_enabled: bool = Field(
        False, description="Whether `finalization-failed` shows the reactivation button.")
    branding: Branding | None = None


__all__ = [
    "Branding",
    "CatalogEvent",
    "Colour",
    "ConditionPublished",
    "ConditionRetired",
    "ConditionRevised",
    "DynamicFieldDefined",
    "DynamicFieldRetired",
    "DynamicFieldUpdated",
    "EndOfProcessTexts",
    "FieldKey",
    "LongLocalizedText",
    "MAX_OPTIONS",
    "PortalSettingsSaved",
    "SelectOption",
]
