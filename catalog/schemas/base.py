"""The fields and helpers every schema is built of: Russian messages, bounded integers, RFC 3339 times, labelled fields for the generated forms."""
from __future__ import annotations

from datetime import datetime, timezone

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from catalog import enums, formatting
from catalog.errors import BadParameter

REQUIRED = "Обязательное поле не заполнено."

RU_MESSAGES = {
    fields.Field: {
        "required": REQUIRED,
        "null": "Поле не может быть пустым.",
        "validator_failed": "Недопустимое значение.",
    },
    fields.String: {"invalid": "Ожидается строка."},
    fields.Integer: {"invalid": "Ожидается целое число.", "too_large": "Слишком большое число."},
    fields.Float: {"invalid": "Ожидается число.", "special": "Недопустимое число."},
    fields.Boolean: {"invalid": "Ожидается «да» или «нет»."},
    fields.Date: {"invalid": "Ожидается дата в формате ДД.ММ.ГГГГ (или ГГГГ-ММ-ДД).", "format": "Неверный формат даты."},
    fields.List: {"invalid": "Ожидается список."},
    fields.Dict: {"invalid": "Ожидается объект."},
    fields.Nested: {"type": "Ожидается объект."},
}
for _field_class, _messages in RU_MESSAGES.items():
    _field_class.default_error_messages = {**_field_class.default_error_messages, **_messages}

_float_from = fields.Float._format_num


def _float_with_decimal_comma(self, value):
    # Every Float of every schema (forms, API, imports) reads «97,2» and «2 443 157,12» as a Russian types them.
    if isinstance(value, str):
        value = float(formatting.parse_number(value))
    return _float_from(self, value)


fields.Float._format_num = _float_with_decimal_comma

_int_from = fields.Integer._format_num


def _int_with_spaces(self, value):
    # «1 500» with a (no-break) space between thousands, as the pages print it, is 1500.
    if isinstance(value, str):
        value = value.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    return _int_from(self, value)


fields.Integer._format_num = _int_with_spaces

_date_from = fields.Date._deserialize


def _date_as_typed(self, value, attr, data, **kwargs):
    # «05.01.2026», as a Russian reader writes a date, is the same date as «2026-01-05».
    if isinstance(value, str) and len(value.strip()) == 10 and value.strip()[2:3] == ".":
        try:
            value = formatting.parse_date(value).isoformat()
        except ValueError:
            raise self.make_error("invalid") from None
    return _date_from(self, value, attr, data, **kwargs)


fields.Date._deserialize = _date_as_typed


# Every integer the catalogue reads fits its INTEGER columns: 64-bit on SQLite but 32-bit on PostgreSQL, so
# the common range. Ids, versions and counts are far below it.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


class Int(fields.Integer):
    """An integer the store can hold (``INT_MIN``…``INT_MAX``): a larger one is a named 422, never a database error."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.validators.insert(0, validate.Range(min=INT_MIN, max=INT_MAX, error="Число вне допустимого диапазона."))


def parse_int(raw, name: str, minimum: int | None = None, maximum: int | None = None) -> int:
    """A query parameter (or another value from outside) as a bounded integer; BadParameter names it."""
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise BadParameter("Неверный параметр запроса.", {name: ["Ожидается целое число."]}) from None
    low = INT_MIN if minimum is None else max(minimum, INT_MIN)
    high = INT_MAX if maximum is None else min(maximum, INT_MAX)
    if not low <= value <= high:
        bound = (f"от {low} до {high}" if maximum is not None else f"не меньше {low}") if minimum is not None \
            else f"не больше {high}"
        raise BadParameter("Неверный параметр запроса.", {name: [f"Допустимо {bound}."]})
    return value


def rfc3339(value: datetime | None) -> str | None:
    """A stored timestamp as RFC 3339 with its zone; older SQLite rows come back naive and are UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.isoformat()


class DateTime(fields.DateTime):
    """Timestamps in answers: always RFC 3339 with a zone (see ``rfc3339``)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return rfc3339(value)


class CatalogSchema(Schema):
    class Meta:
        unknown = RAISE

    error_messages = {
        "unknown": "Неизвестное поле.",
        "type": "Ожидается объект JSON.",
    }


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class Text(fields.String):
    """A string that is stripped; an empty string is treated as no value."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in value:  # PostgreSQL text cannot hold NUL; a form may still send one
            raise ValidationError("Недопустимый символ NUL.")
        value = _strip(value)
        if value == "":
            if self.required:
                raise self.make_error("required")
            return None
        return value


def required_messages(required: bool) -> dict:
    # An empty form field arrives as null: for a required field say it is missing.
    return {"null": REQUIRED} if required else {}


class MaxLength(validate.Length):
    """Length limit that lets an emptied (None) value through to the required check."""

    def __call__(self, value):
        return value if value is None else super().__call__(value)


def text(label: str, *, required: bool = False, max_length: int | None = None, **meta):
    validators = [MaxLength(max=max_length, error=f"Не длиннее {max_length} символов.")] if max_length else []
    return Text(
        required=required,
        allow_none=not required,
        validate=validators,
        metadata={"label": label, **meta},
    )


def choice(label: str, enum: type[enums.LabeledEnum], *, required: bool = False, **meta):
    return fields.String(
        required=required,
        allow_none=not required,
        validate=validate.OneOf(enum.values(), error="Допустимые значения: " + ", ".join(f"{v} ({enum.label_of(v)})" for v in enum.values()) + "."),
        error_messages=required_messages(required),
        metadata={"label": label, "choices": enum, "filter": True, **meta},
    )


def ref(label: str, resource: str, *, required: bool = False, **meta):
    return Int(
        required=required,
        allow_none=not required,
        strict=False,
        error_messages=required_messages(required),
        metadata={"label": label, "ref": resource, "filter": True, **meta},
    )


def flag(label: str, **meta):
    return fields.Boolean(load_default=None, metadata={"label": label, "filter": True, **meta})


def percent(label: str):
    return fields.Float(
        allow_none=True,
        validate=validate.Range(min=0, max=100, error="Значение от 0 до 100."),
        metadata={"label": label, "unit": "%"},
    )


def non_negative(label: str):
    return validate.Range(min=0, error=f"{label}: не может быть отрицательным.")


def validation_messages(error: ValidationError) -> dict:
    """Flatten marshmallow messages to {field: [messages]} (nested keys joined by dots)."""
    out: dict[str, list[str]] = {}

    def walk(prefix: str, value):
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            out.setdefault(prefix or "_schema", []).extend(value)
        else:
            out.setdefault(prefix or "_schema", []).append(str(value))

    walk("", error.messages)
    return out


def date_field(label: str, required: bool = False):
    return fields.Date(required=required, allow_none=not required, error_messages=required_messages(required),
                       metadata={"label": label})


def lines_field(label: str):
    """A list of non-empty strings (a form gives them one per line)."""
    return fields.List(Text(required=True, validate=MaxLength(max=1000, error="Не длиннее 1000 символов.")),
                       load_default=list, metadata={"label": label})
