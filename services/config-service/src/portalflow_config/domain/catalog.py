"""The org's catalog: dynamic fields, conditions and portal settings, and their rules."""

from dataclasses import dataclass, field, replace

from portalflow_config.domain.errors import ConflictError, InvalidError, NotFoundError
from portalflow_contracts.events.catalog import (
    Branding,
    CatalogEvent,
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


@dataclass(frozen=True)
class DynamicField:
    field_id: str
    key: str
    label: dict[str, str]
    type: FieldType
    options: tuple[SelectOption, ...] = ()
    retired: bool = False


@dataclass(frozen=True)
class Condition:
    condition_id: str
    title: dict[str, str]
    text: dict[str, str]
    version: int = 1
    retired: bool = False


@dataclass(frozen=True)
class PortalSettings:
    locales: tuple[str, ...] = ("es",)
    default_locale: str = "es"
    end_of_process_texts: EndOfProcessTexts = EndOfProcessTexts()
    reactivation_enabled: bool = False
    branding: Branding | None = None


@dataclass(frozen=True)
class OrgCatalog:
    settings: PortalSettings = PortalSettings()
    fields: dict[str, DynamicField] = field(default_factory=dict)
    conditions: dict[str, Condition] = field(default_factory=dict)

    def active_field_ids(self) -> set[str]:
        """Ids of the fields that may be bound and given values."""
        return {i for i, f in self.fields.items() if not f.retired}

    def active_condition_ids(self) -> set[str]:
        """Ids of the conditions that may be asked for."""
        return {i for i, c in self.conditions.items() if not c.retired}

    def require_field(self, field_id: str) -> DynamicField:
        """The field of this org; NotFoundError otherwise."""
        if field_id not in self.fields:
            raise NotFoundError(f"dynamic field {field_id} not found")
        return self.fields[field_id]

    def require_condition(self, condition_id: str) -> Condition:
        """The condition of this org; NotFoundError otherwise."""
        if condition_id not in self.conditions:
            raise NotFoundError(f"condition {condition_id} not found")
        return self.conditions[condition_id]


def evolve(catalog: OrgCatalog, event: CatalogEvent) -> OrgCatalog:
    """Fold one event into the catalog."""
    match event:
        case DynamicFieldDefined():
            return _with_field(catalog, DynamicField(
                event.field_id, event.key, event.label, event.field_type, event.options))
        case DynamicFieldUpdated():
            return _with_field(catalog, replace(catalog.fields[event.field_id],
                                                label=event.label, options=event.options))
        case DynamicFieldRetired():
            return _with_field(catalog, replace(catalog.fields[event.field_id], retired=True))
        case ConditionPublished() | ConditionRevised():
            return _with_condition(catalog, Condition(
                event.condition_id, event.title, event.text, event.version))
        case ConditionRetired():
            return _with_condition(catalog, replace(catalog.conditions[event.condition_id],
                                                    retired=True))
        case PortalSettingsSaved():
            return replace(catalog, settings=PortalSettings(
                event.locales, event.default_locale, event.end_of_process_texts,
                event.reactivation_enabled, event.branding))
    raise TypeError(f"not a catalog event: {event!r}")


def _with_field(catalog: OrgCatalog, item: DynamicField) -> OrgCatalog:
    return replace(catalog, fields={**catalog.fields, item.field_id: item})


def _with_condition(catalog: OrgCatalog, item: Condition) -> OrgCatalog:
    return replace(catalog, conditions={**catalog.conditions, item.condition_id: item})


def check_text(settings: PortalSettings, field: str, text: dict | None) -> None:
    """Refuse a localized text in an unsupported locale or without the default locale."""
    if text is None:
        return
    supported = f"supported locales: {', '.join(settings.locales)}"
    for locale in text:
        if locale not in settings.locales:
            raise InvalidError(f"{field}.{locale}", f"{locale!r} is not a locale of this "
                                                    f"org's portal; {supported}")
    if settings.default_locale not in text:
        raise InvalidError(field, f"the text in the default locale "
                                  f"{settings.default_locale!r} is missing; {supported}")


def _check_options(settings: PortalSettings, field_type: FieldType, options) -> None:
    if field_type is not FieldType.SELECT:
        if options:
            raise InvalidError("options", f"only select fields have options; a {field_type} "
                                          "field takes none")
        return
    if not options:
        raise InvalidError("options", "a select field needs at least one option "
                                      "{value, label}")
    seen: dict[str, int] = {}
    for i, option in enumerate(options):
        if option.value in seen:
            raise InvalidError(f"options[{i}].value", f"{option.value!r} is already the value "
                                                      f"of options[{seen[option.value]}]; "
                                                      "each option needs its own value")
        seen[option.value] = i
        check_text(settings, f"options[{i}].label", option.label)


def define_field(catalog: OrgCatalog, command: DynamicFieldDefined) -> list:
    """Define a dynamic field whose key no active field of the org uses."""
    taken = {f.key for f in catalog.fields.values() if not f.retired}
    if command.key in taken:
        raise InvalidError("key", f"{command.key!r} is the key of another active field; "
                                  "choose a key no active field uses")
    check_text(catalog.settings, "label", command.label)
    _check_options(catalog.settings, command.field_type, command.options)
    return [command]


def update_field(catalog: OrgCatalog, command: DynamicFieldUpdated, *, key: str | None = None,
                 field_type: FieldType | None = None) -> list:
    """Replace a field's label and options; its key and type, if restated, must not change."""
    current = _active(catalog.require_field(command.field_id))
    for name, given, kept in (("key", key, current.key), ("type", field_type, current.type)):
        if given is not None and given != kept:
            raise InvalidError(name, f"the {name} of a dynamic field never changes; this one "
                                     f"keeps {kept!r}: define a new field instead")
    check_text(catalog.settings, "label", command.label)
    _check_options(catalog.settings, current.type, command.options)
    return [command]


def retire_field(catalog: OrgCatalog, field_id: str) -> list:
    """Retire a field: it can no longer be bound, and its key becomes free."""
    _active(catalog.require_field(field_id))
    return [DynamicFieldRetired(field_id=field_id)]


def _active(item: DynamicField | Condition):
    if item.retired:
        what = (f"dynamic field {item.key!r}" if isinstance(item, DynamicField)
                else f"condition {item.condition_id}")
        raise ConflictError(f"{what} is retired and cannot be changed; only active ones can")
    return item


def publish_condition(catalog: OrgCatalog, condition_id: str, title: dict, text: dict) -> list:
    """Publish a new condition at version 1."""
    check_text(catalog.settings, "title", title)
    check_text(catalog.settings, "text", text)
    return [ConditionPublished(condition_id=condition_id, version=1, title=title, text=text)]


def revise_condition(catalog: OrgCatalog, condition_id: str, title: dict, text: dict) -> list:
    """Publish the next version of a condition's texts."""
    current = _active(catalog.require_condition(condition_id))
    check_text(catalog.settings, "title", title)
    check_text(catalog.settings, "text", text)
    return [ConditionRevised(condition_id=condition_id, version=current.version + 1,
                             title=title, text=text)]


def retire_condition(catalog: OrgCatalog, condition_id: str) -> list:
    """Retire a condition: it can no longer be asked for or revised."""
    _active(catalog.require_condition(condition_id))
    return [ConditionRetired(condition_id=condition_id)]


def save_portal_settings(catalog: OrgCatalog, command: PortalSettingsSaved) -> list:
    """Save the portal settings whole; texts elsewhere using a dropped locale fall back."""
    for i, locale in enumerate(command.locales):
        if locale in command.locales[:i]:
            raise InvalidError(f"locales[{i}]", f"{locale!r} is listed twice; list each "
                                                "supported locale once")
    if command.default_locale not in command.locales:
        raise InvalidError("default_locale", f"{command.default_locale!r} is not supported; "
                                             f"choose one of: {', '.join(command.locales)}")
    settings = PortalSettings(command.locales, command.default_locale)
    for name in ("success", "failure"):
        check_text(settings, f"end_of_process_texts.{name}",
                   getattr(command.end_of_process_texts, name))
    return [command]
