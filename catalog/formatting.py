"""Numbers, money, shares, dates and counted nouns as a Russian reader expects them.

One place for pages (as Jinja filters), CLI output, reports and messages: locale formatting by
Babel (ru_RU: decimal comma, no-break spaces between thousands), agreement of nouns with numbers
by pymorphy3 («1 процесс», «2 процесса», «5 процессов», «261 рабочий день»).
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

import pymorphy3
from babel.dates import format_date
from babel.numbers import NumberFormatError, format_decimal, parse_decimal

LOCALE = "ru_RU"
NBSP = "\u00a0"
RUB = "руб."
DEFAULT_TIMEZONE = "Europe/Moscow"


def number(value, digits: int | None = None, exact: bool = False) -> str:
    """``2443157.125`` → «2 443 157,125»; ``digits`` fixes the decimals (``exact``: always shown,
    otherwise trailing zeros are dropped); None and "" give «—»."""
    if value is None or value == "":
        return "—"
    if not isinstance(value, (int, float, Decimal)) or isinstance(value, bool):
        return str(value)  # as typed (a form shown again with its errors); "" for a template's undefined
    if digits is None:
        pattern = "#,##0.###"
    elif digits == 0:
        pattern = "#,##0"
    else:
        pattern = "#,##0." + ("0" if exact else "#") * digits
    return format_decimal(value, format=pattern, locale=LOCALE)


def money(value, digits: int = 2, unit: str = RUB) -> str:
    """``2443157.12`` → «2 443 157,12 руб.» (kopecks always shown with ``digits=2``)."""
    if value is None or value == "":
        return "—"
    return number(value, digits, exact=True) + (NBSP + unit if unit else "")


def percent(share, digits: int = 1) -> str:
    """A share of one: ``0.871`` → «87,1 %»."""
    if share is None:
        return "—"
    return number(share * 100, digits) + NBSP + "%"


def hours(value, digits: int = 1) -> str:
    """«3 800 ч», «12,5 ч»."""
    return number(value, digits) + NBSP + "ч"


def minutes(value, digits: int = 1) -> str:
    return number(value, digits) + NBSP + "мин"


def seconds(value, digits: int = 1) -> str:
    """«10 с», «0,3 с»."""
    return number(value, digits) + NBSP + "с"


def to_local(value: datetime, tz: str | None = None) -> datetime:
    if value.tzinfo is None:  # SQLite gives naive values; the store keeps UTC
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(ZoneInfo(tz or DEFAULT_TIMEZONE))


def day(value) -> str:
    """dd.mm.yyyy; an ISO string (as the history stores dates) is read first."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = parse_iso(value)
        if isinstance(value, str):
            return value
    if isinstance(value, datetime):
        value = value.date()
    return value.strftime("%d.%m.%Y")


def month(value) -> str:
    """A month as a heading names it: «декабрь 2026»."""
    return format_date(value, "LLLL y", locale=LOCALE)


def moment(value, tz: str | None = None) -> str:
    """dd.mm.yyyy чч:мм in the catalogue's time zone."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = parse_iso(value)
        if isinstance(value, str):
            return value
    if not isinstance(value, datetime):
        return day(value)
    return to_local(value, tz).strftime("%d.%m.%Y %H:%M")


def parse_iso(text: str):
    """A date or a date and time written as ISO 8601, or the text itself when it is neither."""
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text)
    except ValueError:
        return text


def parse_date(text: str) -> date:
    """«05.01.2026» (as a person types it) or «2026-01-05» (as forms and the API send it); ValueError otherwise."""
    text = (text or "").strip()
    if len(text) == 10 and text[2] == "." and text[5] == ".":
        return datetime.strptime(text, "%d.%m.%Y").date()
    return date.fromisoformat(text)


def parse_number(text) -> Decimal:
    """«97,2», «97.2», «2 443 157,12» → Decimal; ValueError when it is not a number."""
    if isinstance(text, (int, float, Decimal)) and not isinstance(text, bool):
        return Decimal(str(text))
    cleaned = str(text).strip().replace(NBSP, "").replace("\u202f", "").replace(" ", "")
    if "," in cleaned and "." not in cleaned:
        try:
            return parse_decimal(cleaned, locale=LOCALE, strict=False)
        except NumberFormatError:
            raise ValueError(text) from None
    try:
        return Decimal(cleaned)
    except ArithmeticError:
        raise ValueError(text) from None


# -- agreement of words with numbers

@lru_cache(maxsize=1)
def _morph() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer()


def _form(n) -> str:
    """«one» (1, 21, 101), «few» (2–4, 22–24), «many» (0, 5–20, 25…) or «fraction» (1,5 — genitive
    singular: «1,5 штатной единицы»): Russian plural classes."""
    if n != int(n):
        return "fraction"
    n = abs(int(n))
    if n % 10 == 1 and n % 100 != 11:
        return "one"
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return "few"
    return "many"


def _nominative(word: str, before_noun: bool = False):
    """The nominative reading of a word; before another noun, its adjective reading («рабочий день»)."""
    parses = _morph().parse(word)
    wanted = ("ADJF", "PRTF") if before_noun else ("NOUN", "ADJF", "PRTF", "NUMR")
    for p in parses:
        if "nomn" in p.tag and p.tag.POS in wanted:
            return p
    for p in parses:
        if "nomn" in p.tag and p.tag.POS in ("NOUN", "ADJF", "PRTF", "NUMR"):
            return p
    return parses[0]


def _is_noun(word: str | None) -> bool:
    return bool(word) and word.isalpha() and any(
        "nomn" in p.tag and p.tag.POS == "NOUN" for p in _morph().parse(word.lower()))


def _agree_word(word: str, n: int, noun_gender: str | None, before_noun: bool) -> tuple[str, bool]:
    """The word agreed with ``n``, and whether it was the head noun (the end of agreement)."""
    parse = _nominative(word.lower(), before_noun)
    pos = parse.tag.POS
    form = _form(n)
    if form == "fraction":
        new = parse.inflect({"sing", "gent"})
        return _same_case(word, new.word if new else word), pos == "NOUN"
    if pos == "NOUN":
        new = parse.make_agree_with_number(n)
        return _same_case(word, new.word if new else word), True
    if pos in ("ADJF", "PRTF"):
        if form == "one":
            return word, False
        # «2 рабочих дня» but «2 штатные единицы»: after 2–4 a feminine noun takes the nominative plural.
        case = "nomn" if form == "few" and noun_gender == "femn" else "gent"
        new = parse.inflect({"plur", case})
        return _same_case(word, new.word if new else word), False
    return word, False


def _same_case(original: str, new: str) -> str:
    return new[:1].upper() + new[1:] if original[:1].isupper() else new


def _head_gender(words: list[str]) -> str | None:
    for i, word in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else None
        parse = _nominative(word.lower(), _is_noun(nxt))
        if parse.tag.POS == "NOUN":
            return parse.tag.gender
    return None


@lru_cache(maxsize=2048)
def agree(n, phrase: str) -> str:
    """The phrase (nominative singular) in the form a count asks for: (5, «рабочий день») → «рабочих
    дней». Words up to the first noun agree; the rest («… дорожной карты») stays as written."""
    words = phrase.split(" ")
    gender = _head_gender(words)
    out = []
    done = False
    for i, word in enumerate(words):
        if done or not word.isalpha():
            out.append(word)
            continue
        nxt = words[i + 1] if i + 1 < len(words) else None
        new, done = _agree_word(word, n, gender, _is_noun(nxt))
        out.append(new)
    return " ".join(out)


def counted(n, phrase: str, digits: int = 1) -> str:
    """«204 процесса», «1 мероприятие», «261 рабочий день», «3 800 записей», «1,5 штатной единицы»."""
    n = round(n, digits) if isinstance(n, float) else n
    return f"{number(n, digits)}{NBSP}{agree(n, phrase)}"


@lru_cache(maxsize=512)
def agree_predicate(n, word: str) -> str:
    """A short participle or past verb after a count: (1, «просрочено») → «просрочено», (3, …) →
    «просрочены»."""
    if _form(n) in ("one", "fraction"):
        return word
    parse = _morph().parse(word)[0]
    new = parse.inflect({"plur"})
    return new.word if new else word


def init_jinja(app) -> None:
    """The filters every template uses: ``|number``, ``|money``, ``|percent``, ``|hours``,
    ``|seconds``, ``|minutes``, ``|day``, ``|month``, ``|moment``, ``|counted('процесс')``, ``|agree('процесс')``."""
    tz = app.config["CATALOG"].timezone
    filters = {
        "number": number, "money": money, "percent": percent, "hours": hours, "seconds": seconds,
        "minutes": minutes, "day": day, "month": month, "moment": lambda v: moment(v, tz),
        "counted": counted, "agree": agree, "agree_predicate": agree_predicate,
    }
    for name, function in filters.items():
        app.add_template_filter(function, name)
