"""JSON from outside the catalogue, read in one place: UTF-8, depth-limited, no lone surrogates or NUL.

The depth is counted by a flat scan before ``json.loads`` runs, so a document nested 100 000 deep
costs one pass and never reaches a recursive parser; a lone surrogate (``"\\ud800"``) and NUL
(``"\\u0000"``, which PostgreSQL text cannot hold) are refused because no store or answer can keep them.
"""
from __future__ import annotations

import json
import re

from catalog.errors import BadRequest

DEFAULT_MAX_DEPTH = 64
# A JSON string (skipped whole, so brackets inside it do not count) or a bracket.
_TOKENS = re.compile(r'"(?:[^"\\]++|\\.)*+"|[\[\]{}]')
# Escapes of characters no store can keep: a surrogate half, or NUL (PostgreSQL text refuses it).
_SUSPECT_ESCAPE = re.compile(r"\\u(?:[dD][89a-fA-F]|0000)")


def _refuse(message: str, where: str = "body") -> BadRequest:
    return BadRequest(message, {where: [message]})


def _check_depth(text: str, max_depth: int) -> None:
    depth = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token == "[" or token == "{":
            depth += 1
            if depth > max_depth:
                raise _refuse(f"Слишком глубокая вложенность JSON: допустимо не больше {max_depth} уровней "
                              "(CATALOG_IMPORT_MAX_JSON_DEPTH).")
        elif token == "]" or token == "}":
            depth -= 1


def _unstorable_path(value) -> str | None:
    """The path («steps.0.name») of the first string holding a lone surrogate or NUL; walked without recursion."""
    stack = [("", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, dict):
            for key, inner in item.items():
                if not _encodable(key):
                    return path or "body"
                stack.append((f"{path}.{key}" if path else str(key), inner))
        elif isinstance(item, list):
            stack.extend((f"{path}.{index}" if path else str(index), inner) for index, inner in enumerate(item))
        elif isinstance(item, str) and not _encodable(item):
            return path or "body"
    return None


def _encodable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def loads(data: str | bytes | bytearray, max_depth: int = DEFAULT_MAX_DEPTH):
    """Parse JSON or raise BadRequest (400) naming ``body`` or the field, with a Russian message."""
    if isinstance(data, (bytes, bytearray)):
        try:
            text = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise _refuse(f"Тело запроса не в кодировке UTF-8 (байт № {error.start + 1}).") from None
    else:
        text = data
    _check_depth(text, max_depth)
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise _refuse(f"Тело запроса не разобрано как JSON (строка {error.lineno}, столбец {error.colno}).") from None
    except (ValueError, RecursionError):  # NaN, Infinity, an integer of thousands of digits
        raise _refuse("Тело запроса не разобрано как JSON: недопустимое число.") from None
    if _SUSPECT_ESCAPE.search(text):
        path = _unstorable_path(value)
        if path is not None:
            message = "Недопустимый символ: одиночный суррогат Юникода или NUL (\\u0000)."
            raise BadRequest(f"Строка содержит недопустимый символ ({path}).", {path: [message]})
    return value
