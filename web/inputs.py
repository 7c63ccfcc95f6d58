"""What a request brings in, read in one place: path integers, query parameters and JSON bodies.

- ``<int:…>`` in every route is an integer the store can hold (``catalog.schemas.INT_MIN``…``INT_MAX``,
  the 32-bit range of PostgreSQL's INTEGER): a larger one is a 422 naming the parameter;
- JSON is parsed by ``catalog.jsontext`` (UTF-8, depth limit, no lone surrogates) wherever Flask
  reads it, so ``request.get_json`` everywhere answers 400 naming the body instead of failing;
- query-parameter errors are ``BadParameter`` (422) naming the parameter. The API declares its query
  parameters as schemas (web/api/base.py ``QueryArgs``); ``int_arg`` and ``date_arg`` serve the pages.
"""
from __future__ import annotations

from flask import request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import UnprocessableEntity
from werkzeug.routing import IntegerConverter, Rule

from catalog import jsontext
from catalog.errors import BadParameter, InvalidInput
from catalog.schemas import INT_MAX, INT_MIN, parse_int, rfc3339

TRUE_WORDS = ("1", "true", "yes", "да")


class ParameterOutOfRange(UnprocessableEntity):
    """A path integer the store cannot hold: 422 naming the parameter (JSON under /api/v1)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.catalog_error = BadParameter("Неверный параметр пути.", {name: ["Число вне допустимого диапазона."]})


class BoundedIntConverter(IntegerConverter):
    """Flask's ``int`` within the store's range; negative numbers match and are simply not found.

    Out of range raises ``ParameterOutOfRange`` rather than a werkzeug ValidationError: the latter would
    let the route's other methods answer 405 with an ``Allow`` that is not true."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = None,
                 signed: bool = True) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
        self.variable_name = "id"

    def to_python(self, value: str) -> int:
        digits = value.lstrip("-")
        if len(digits.lstrip("0")) > len(str(INT_MAX)) or not INT_MIN <= int(value) <= INT_MAX:
            raise ParameterOutOfRange(self.variable_name)
        return super().to_python(value)


class CatalogRule(Rule):
    """Tells each converter the name of its variable, so a refusal can name the parameter."""

    def get_converter(self, variable_name, converter_name, args, kwargs):
        converter = super().get_converter(variable_name, converter_name, args, kwargs)
        converter.variable_name = variable_name
        return converter

    def _compile_builder(self, append_unknown: bool = True):
        """The rule's URL builder compiled when a URL of it is first built. werkzeug compiles two Python
        functions per rule as the rule is added, a third of an app's start at 357 rules, and a process
        builds the URLs of a few."""
        attribute = "_build_unknown" if append_unknown else "_build"

        def build_once(rule, **values):
            builder = Rule._compile_builder(rule, append_unknown).__get__(rule, None)
            setattr(rule, attribute, builder)
            return builder(**values)

        return build_once


class CatalogJSONProvider(DefaultJSONProvider):
    """Reads JSON with the catalogue's limits; writes datetimes as RFC 3339 with a zone."""

    def loads(self, s, **kwargs):
        return jsontext.loads(s, self._app.config["CATALOG"].import_max_json_depth)

    @staticmethod
    def default(o):
        from datetime import datetime

        if isinstance(o, datetime):
            return rfc3339(o)
        return DefaultJSONProvider.default(o)


def init_app(app) -> None:
    """Call before any blueprint is registered: routes compile their converters when added."""
    app.url_rule_class = CatalogRule
    app.url_map.converters["int"] = BoundedIntConverter
    app.json = CatalogJSONProvider(app)
    app.before_request(_refuse_nul_in_query)


def _refuse_nul_in_query() -> None:
    """A query parameter with NUL (``%00``) cannot reach the store (PostgreSQL text refuses it): 422 naming it."""
    for name, value in request.args.items(multi=True):
        if "\x00" in name or "\x00" in value:
            raise BadParameter("Неверный параметр запроса.", {name.replace("\x00", ""): ["Недопустимый символ NUL."]})


def json_body() -> dict:
    """The request's JSON object; 422 when it is absent or not an object, 400 when it is not JSON."""
    if not request.is_json:
        message = "Тело запроса должно быть объектом JSON (Content-Type: application/json)."
        raise InvalidInput(message, {"body": [message]})
    data = request.get_json(silent=False)
    if not isinstance(data, dict):
        message = "Тело запроса должно быть объектом JSON, а не списком или значением."
        raise InvalidInput(message, {"body": [message]})
    return data


def int_arg(name: str, default: int | None, minimum: int | None = 1, maximum: int | None = None) -> int | None:
    """A bounded integer query parameter (within the store's range); BadParameter (422) names it."""
    raw = request.args.get(name)
    if raw is None or raw.strip() == "":
        return default
    return parse_int(raw, name, minimum, maximum)


def form_int(raw) -> int | None:
    """A form field's integer, or None when it is not one the store holds.

    ``str.isdigit`` is no check: «²» passes it and then fails ``int``, and 20 digits overflow the store."""
    text = str(raw).strip()
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if INT_MIN <= value <= INT_MAX else None


def date_arg(name: str, required: bool = True):
    """A date query parameter (ГГГГ-ММ-ДД); BadParameter (422) names it."""
    from datetime import date

    raw = request.args.get(name)
    if not raw:
        if required:
            raise BadParameter(f"Укажите параметр {name}.", {name: ["Обязательный параметр (ГГГГ-ММ-ДД)."]})
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadParameter(f"Неверная дата в параметре {name}.", {name: ["Ожидается дата в формате ГГГГ-ММ-ДД."]}) from None


def change_version(required: bool = True) -> int | None:
    """The version a change was made against: the JSON body's ``version``, ``?version=N`` or ``If-Match``.

    The one reader of it for the API. The rule itself (422 without it, 409 when stale) is
    catalog.services.versions.check_version; ``required=False`` leaves the refusal to it, after the rights."""
    body = request.get_json(silent=True) if request.is_json else None
    if isinstance(body, dict) and body.get("version") is not None:
        return body["version"]  # its type is checked by the rule
    raw = request.args.get("version") or (request.headers.get("If-Match") or "").strip().removeprefix("W/").strip('"')
    if not raw:
        if not required:
            return None
        raise InvalidInput("Укажите версию записи, которую вы читали.",
                           {"version": ["Передайте параметр version или заголовок If-Match."]})
    return parse_int(raw, "version", minimum=1)


def versioned_body() -> dict:
    """The JSON body of a change, with the version from ``?version=`` or ``If-Match`` when the body has none."""
    data = json_body()
    if data.get("version") is None:
        version = change_version(required=False)
        if version is not None:
            data["version"] = version
    return data


def form_version(name: str = "version") -> int | None:
    """The hidden ``version`` field of a page's form; absent or not a number, the rule refuses it by name."""
    return form_int(request.form.get(name) or "")
