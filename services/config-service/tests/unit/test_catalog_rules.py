"""Given catalog events, when a command is decided, then these events or this error."""

from datetime import date

import pytest

from portalflow_config.domain import catalog, field_values
from portalflow_config.domain.catalog import DynamicField, OrgCatalog
from portalflow_config.domain.errors import ConflictError, InvalidError, NotFoundError
from portalflow_contracts.events.catalog import (
    ConditionPublished,
    ConditionRetired,
    ConditionRevised,
    DynamicFieldDefined,
    DynamicFieldRetired,
    DynamicFieldUpdated,
    EndOfProcessTexts,
    PortalSettingsSaved,
    SelectOption,
)
from portalflow_contracts.values import FieldType

SETTINGS = PortalSettingsSaved(locales=("es", "it"), default_locale="es")
DNI = DynamicFieldDefined(field_id="f-dni", key="dni", label={"es": "DNI"},
                          field_type=FieldType.TEXT)
PHASES = (SelectOption(value="mono", label={"es": "Monofásica"}),
          SelectOption(value="tri", label={"es": "Trifásica", "it": "Trifase"}))
SUPPLY = DynamicFieldDefined(field_id="f-supply", key="supply", label={"es": "Suministro"},
                             field_type=FieldType.SELECT, options=PHASES)
PRIVACY = ConditionPublished(condition_id="c-privacy", version=1, title={"es": "Privacidad"},
                             text={"es": "Acepto la política de privacidad."})


def given(*events) -> OrgCatalog:
    state = OrgCatalog()
    for event in events:
        state = catalog.evolve(state, event)
    return state


def refused(decide, *args, **kwargs) -> InvalidError:
    with pytest.raises(InvalidError) as error:
        decide(*args, **kwargs)
    return error.value


def test_a_field_is_defined_and_listed_as_active():
    then = catalog.define_field(given(SETTINGS), SUPPLY)
    assert then == [SUPPLY]
    assert given(SETTINGS, *then).active_field_ids() == {"f-supply"}


def test_a_key_used_by_an_active_field_is_refused_but_a_retired_ones_key_is_free():
    again = DNI.model_copy(update={"field_id": "f-other"})
    assert refused(catalog.define_field, given(DNI), again).field == "key"
    assert catalog.define_field(given(DNI, DynamicFieldRetired(field_id="f-dni")),
                                again) == [again]


@pytest.mark.parametrize(("field_type", "options", "loc", "says"), [
    (FieldType.TEXT, PHASES, "options", "only select fields"),
    (FieldType.SELECT, (), "options", "at least one option"),
    (FieldType.SELECT, PHASES + PHASES[:1], "options[2].value", "already the value"),
    (FieldType.SELECT, (SelectOption(value="x", label={"it": "X"}),), "options[0].label",
     "default locale 'es'"),
])
def test_options_only_for_select_fields_each_unique_and_localized(field_type, options, loc,
                                                                   says):
    command = SUPPLY.model_copy(update={"field_type": field_type, "options": options})
    error = refused(catalog.define_field, given(SETTINGS), command)
    assert error.field == loc and says in error.message


def test_texts_use_only_supported_locales_and_include_the_default():
    french = DNI.model_copy(update={"label": {"es": "DNI", "fr": "CNI"}})
    error = refused(catalog.define_field, given(SETTINGS), french)
    assert error.field == "label.fr" and "es, it" in error.message
    error = refused(catalog.define_field, given(SETTINGS), DNI.model_copy(
        update={"label": {"it": "Documento"}}))
    assert error.field == "label" and "'es'" in error.message


def test_an_update_replaces_label_and_options_but_never_the_type_or_key():
    update = DynamicFieldUpdated(field_id="f-supply", label={"es": "Tipo de suministro"},
                                 options=PHASES[:1])
    then = catalog.update_field(given(SUPPLY), update, key="supply",
                                field_type=FieldType.SELECT)
    assert then == [update]
    assert given(SUPPLY, *then).fields["f-supply"].options == PHASES[:1]
    assert refused(catalog.update_field, given(SUPPLY), update,
                   field_type=FieldType.TEXT).field == "type"
    assert refused(catalog.update_field, given(SUPPLY), update, key="phases").field == "key"


def test_a_retired_field_cannot_be_updated_or_retired_again_and_an_unknown_one_is_not_found():
    retired = given(DNI, *catalog.retire_field(given(DNI), "f-dni"))
    assert retired.fields["f-dni"].retired and retired.active_field_ids() == set()
    with pytest.raises(ConflictError, match="retired"):
        catalog.update_field(retired, DynamicFieldUpdated(field_id="f-dni", label={"es": "X"}))
    with pytest.raises(ConflictError, match="retired"):
        catalog.retire_field(retired, "f-dni")
    with pytest.raises(NotFoundError):
        catalog.retire_field(retired, "f-ghost")


def test_a_condition_is_published_at_version_1_and_each_revision_adds_one():
    assert catalog.publish_condition(given(), "c-privacy", PRIVACY.title,
                                     PRIVACY.text) == [PRIVACY]
    then = catalog.revise_condition(given(PRIVACY), "c-privacy", {"es": "Privacidad v2"},
                                    {"es": "Nueva política."})
    assert then == [ConditionRevised(condition_id="c-privacy", version=2,
                                     title={"es": "Privacidad v2"}, text={"es": "Nueva política."})]
    assert given(PRIVACY, *then).conditions["c-privacy"].version == 2


def test_a_retired_condition_cannot_be_revised_and_leaves_the_active_ones():
    retired = given(PRIVACY, ConditionRetired(condition_id="c-privacy"))
    assert retired.active_condition_ids() == set()
    with pytest.raises(ConflictError, match="retired"):
        catalog.revise_condition(retired, "c-privacy", PRIVACY.title, PRIVACY.text)
    error = refused(catalog.publish_condition, given(SETTINGS), "c-new", {"es": "T"},
                    {"es": "x", "de": "y"})
    assert error.field == "text.de"


def test_settings_default_until_saved_then_the_default_locale_must_be_supported():
    assert given().settings.locales == ("es",) and not given().settings.reactivation_enabled
    assert given(SETTINGS).settings.locales == ("es", "it")
    bad = SETTINGS.model_copy(update={"default_locale": "fr"})
    error = refused(catalog.save_portal_settings, given(), bad)
    assert error.field == "default_locale" and "es, it" in error.message
    twice = SETTINGS.model_copy(update={"locales": ("es", "it", "es")})
    assert refused(catalog.save_portal_settings, given(), twice).field == "locales[2]"


def test_end_of_process_texts_are_checked_against_the_locales_being_saved():
    texts = EndOfProcessTexts(success={"it": "Finito"})
    command = SETTINGS.model_copy(update={"end_of_process_texts": texts})
    assert refused(catalog.save_portal_settings, given(), command).field == \
        "end_of_process_texts.success"
    dropping_it = PortalSettingsSaved(locales=("es",), default_locale="es")
    assert catalog.save_portal_settings(given(SETTINGS, SUPPLY), dropping_it) == [dropping_it]


def field(field_type: FieldType) -> DynamicField:
    return DynamicField("f", "f", {"es": "F"}, field_type, PHASES)


DOCUMENT = {"document_id": "d-1", "sha256": "a" * 64, "file_name": "dni.pdf",
            "content_type": "application/pdf", "size": 1024}


@pytest.mark.parametrize(("field_type", "value", "stored"), [
    (FieldType.TEXT, "12345678Z", "12345678Z"), (FieldType.TEXT, "  ", None),
    (FieldType.LONG_TEXT, "x" * 20_000, "x" * 20_000),
    (FieldType.NUMBER, 42, 42), (FieldType.NUMBER, 3.5, 3.5), (FieldType.NUMBER, "12.50", 12.5),
    (FieldType.NUMBER, "7", 7), (FieldType.NUMBER, "0.1", 0.1),
    (FieldType.NUMBER, "12345678901234567890123", 12345678901234567890123),  # every digit kept
    (FieldType.NUMBER, 10**30 + 1, 10**30 + 1), (FieldType.DATE, "2024-02-29", "2024-02-29"),
    (FieldType.DATE, date(2024, 3, 1), "2024-03-01"), (FieldType.BOOLEAN, False, False),
    (FieldType.SELECT, "tri", "tri"), (FieldType.FILE, DOCUMENT, DOCUMENT),
    (FieldType.FILE, None, None),
])
def test_a_valid_value_is_normalized(field_type, value, stored):
    assert field_values.validate_value(field(field_type), value) == stored


@pytest.mark.parametrize(("field_type", "value", "says"), [
    (FieldType.TEXT, "x" * 1_001, "at most 1,000 characters"),
    (FieldType.TEXT, 5, "text"), (FieldType.NUMBER, True, "a number"),
    (FieldType.NUMBER, "twelve", "a number"), (FieldType.NUMBER, "NaN", "a number"),
    (FieldType.NUMBER, "3.14159265358979323846", "at most 15 significant digits"),
    (FieldType.NUMBER, "1e400", "a number"),
    (FieldType.DATE, "29/02/2024", "yyyy-mm-dd"), (FieldType.DATE, "2023-02-29", "yyyy-mm-dd"),
    (FieldType.DATE, "20240229", "yyyy-mm-dd"), (FieldType.BOOLEAN, "yes", "true or false"),
    (FieldType.SELECT, "bi", "['mono', 'tri']"), (FieldType.SELECT, ["tri"], "['mono', 'tri']"),
    (FieldType.FILE, {**DOCUMENT, "sha256": "nope"}, "sha256"),
    (FieldType.FILE, "dni.pdf", "document_id"),
])
def test_an_invalid_value_is_refused_saying_what_the_field_expects(field_type, value, says):
    error = refused(field_values.validate_value, field(field_type), value)
    assert error.field == "value" and says in error.message and "'f'" in error.message
