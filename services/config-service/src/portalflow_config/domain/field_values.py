"""Values of the org's dynamic fields, checked by the field's type."""

from portalflow_config.domain.catalog import DynamicField
from portalflow_config.domain.errors import InvalidError
from portalflow_contracts.field_values import InvalidValueError, normalize


def validate_value(field: DynamicField, value: object) -> object:
    """The value as stored for this field, as JSON; None clears it; InvalidError otherwise."""
    try:
        return normalize(field.type, value, options=[o.value for o in field.options],
                         name=f"field {field.key!r}")
    except InvalidValueError as error:
        raise InvalidError("value", str(error)) from None
