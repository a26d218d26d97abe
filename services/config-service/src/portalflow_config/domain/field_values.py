"""Values of dynamic fields, checked and normalised by the field's type."""

import math
import re
from datetime import date, datetime
from decimal import Decimal

from pydantic import ValidationError

from portalflow_config.domain.catalog import DynamicField
from portalflow_config.domain.errors import InvalidError
from portalflow_contracts.values import DocumentRef, FieldType

TEXT_LIMITS = {FieldType.TEXT: 1_000, FieldType.LONG_TEXT: 20_000}


def validate_value(field: DynamicField, value: object) -> object:
    """The value as stored for this field, as JSON; None clears it; InvalidError otherwise."""
    if value is None:
        return None
    try:
        return _normalize(field, value)
    except (TypeError, ValueError, ArithmeticError, ValidationError):  # Decimal's too
        expected = (f"one of {[o.value for o in field.options]}"
                    if field.type is FieldType.SELECT else _EXPECTED[field.type])
        raise InvalidError("value", f"field {field.key!r} expects {expected}; "
                                    f"got {value!r:.80}") from None


_EXPECTED = {
    **{t: f"text of at most {n:,} characters" for t, n in TEXT_LIMITS.items()},
    FieldType.NUMBER: "a number such as 42 or 3.5 (a JSON number or a decimal string)",
    FieldType.DATE: "a date as yyyy-mm-dd", FieldType.BOOLEAN: "true or false",
    FieldType.FILE: "a document {document_id, sha256, file_name, content_type, size}",
}


def _normalize(field: DynamicField, value: object) -> object:
    match field.type, value:
        case FieldType.TEXT | FieldType.LONG_TEXT, str() if len(value) <= TEXT_LIMITS[field.type]:
            return value if value.strip() else None  # a blank text clears, like None
        case FieldType.NUMBER, int() | float() | Decimal() | str() if type(value) is not bool:
            number = Decimal(value.strip() if isinstance(value, str) else value)
            if number.is_finite() and math.isfinite(float(number)):
                return int(number) if number == number.to_integral_value() else float(number)
        case FieldType.DATE, str() if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value).isoformat()
        case FieldType.DATE, date() if not isinstance(value, datetime):
            return value.isoformat()
        case FieldType.BOOLEAN, bool():
            return value
        case FieldType.SELECT, str() if value in {o.value for o in field.options}:
            return value
        case FieldType.FILE, dict() | DocumentRef():
            return DocumentRef.model_validate(value).model_dump(mode="json")
    raise ValueError(value)
