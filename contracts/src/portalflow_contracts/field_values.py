"""Values of dynamic fields, checked and normalised by the field's type, wherever they are set."""

import math
import re
from collections.abc import Collection
from datetime import date, datetime
from decimal import Decimal
from sys import float_info

from pydantic import ValidationError

from portalflow_contracts.values import DocumentRef, FieldType

TEXT_LIMITS = {FieldType.TEXT: 1_000, FieldType.LONG_TEXT: 20_000}
_EXPECTED = {
    **{t: f"text of at most {n:,} characters" for t, n in TEXT_LIMITS.items()},
    FieldType.NUMBER: "a number such as 42 or 3.5 (a JSON number or a decimal string)",
    FieldType.DATE: "a date as yyyy-mm-dd", FieldType.BOOLEAN: "true or false",
    FieldType.FILE: "a document {document_id, sha256, file_name, content_type, size}",
}


class InvalidValueError(ValueError):
    """The value does not fit the field; the message says what the field expects."""


class _InexactError(ValueError):
    """A number with more digits than a number field keeps."""


def normalize(field_type: FieldType, value: object, *, options: Collection[str] = (),
              name: str = "the field") -> object:
    """The value as stored, as JSON; None (or blank text) clears; InvalidValueError otherwise."""
    if value is None:
        return None
    try:
        return _normalize(field_type, value, options)
    except _InexactError:
        raise InvalidValueError(
            f"{name} keeps numbers of at most {float_info.dig} significant digits exactly, "
            f"and {value!s:.80} has more: round it") from None
    except (TypeError, ValueError, ArithmeticError, ValidationError):  # Decimal's too
        expected = (f"one of {sorted(options)}" if field_type is FieldType.SELECT
                    else _EXPECTED[field_type])
        raise InvalidValueError(f"{name} expects {expected}; got {value!r:.80}") from None


def _normalize(field_type: FieldType, value: object, options: Collection[str]) -> object:
    match field_type, value:
        case FieldType.TEXT | FieldType.LONG_TEXT, str() if len(value) <= TEXT_LIMITS[field_type]:
            return value if value.strip() else None  # a blank text clears, like None
        case FieldType.NUMBER, int() | float() | Decimal() | str() if type(value) is not bool:
            return _number(value)
        case FieldType.DATE, str() if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value).isoformat()
        case FieldType.DATE, date() if not isinstance(value, datetime):
            return value.isoformat()
        case FieldType.BOOLEAN, bool():
            return value
        case FieldType.SELECT, str() if value in options:
            return value
        case FieldType.FILE, dict() | DocumentRef():
            return DocumentRef.model_validate(value).model_dump(mode="json")
    raise ValueError(value)


def _number(value: int | float | Decimal | str) -> int | float:
    """An integer exactly; any other number as a float, refused if the float would change it."""
    number = Decimal(value.strip() if isinstance(value, str) else value)
    if not (number.is_finite() and math.isfinite(float(number))):
        raise ValueError(value)
    if number == number.to_integral_value():
        return int(number)
    kept = float(number)
    if not isinstance(value, float) and Decimal(repr(kept)) != number:
        raise _InexactError(value)
    return kept
