"""The thesaurus the process office extends: entries added to the shipped file, with their history.

The search uses the shipped ``catalog/search/thesaurus.tsv`` together with the live entries here;
every search checks a cheap revision (the newest entry and the number removed) and reloads when
another process or request changed the entries. Elasticsearch builds its synonym filter from the
same entries when an index is built, so there they take effect at the next reindex.
"""
from __future__ import annotations

import threading
import time
from datetime import datetime, timezone

from sqlalchemy import func, select

from catalog import models
from catalog.errors import InvalidInput, NotFound
from catalog.search import analysis, synonyms
from catalog.services import permissions, rules
from catalog.services.context import Context

MARKERS = {"=": "равнозначные фразы", ">": "слово и что оно значит", "-": "оборот вопроса, без которого ищут"}
MAX_PHRASES, MAX_PHRASE = 12, 200

_lock = threading.Lock()
_loaded: dict = {"revision": None, "checked": 0.0, "session": None}
# Entries another process added are seen within this many seconds (this process's at once).
CHECK_SECONDS = 5.0


def _who(ctx: Context) -> str:
    return ctx.user.full_name if ctx.user else ctx.actor_name


def entries(ctx: Context) -> list[models.ThesaurusEntry]:
    """Every entry, live and removed, the newest first: the thesaurus's history."""
    permissions.require_read(ctx)
    return list(ctx.session.scalars(select(models.ThesaurusEntry).order_by(models.ThesaurusEntry.id.desc())))


@rules.operation("search.thesaurus")
def add_entry(ctx: Context, marker: str | None, phrases, note: str | None = None) -> models.ThesaurusEntry:
    """Add an entry: «=» equivalent phrases (two or more), «>» a word and what it means, «-» question phrases."""
    rules.check(ctx, "search.thesaurus")
    if isinstance(phrases, str):
        phrases = phrases.splitlines()
    phrases = [" ".join(str(p).split()) for p in (phrases or []) if str(p).strip()]
    errors = {}
    if marker not in MARKERS:
        errors["marker"] = ["Выберите вид записи: «=», «>» или «-»."]
    elif marker in "=>" and len(phrases) < 2:
        errors["phrases"] = ["Нужны хотя бы две фразы, по одной в строке."]
    elif not phrases:
        errors["phrases"] = ["Нужна хотя бы одна фраза."]
    if len(phrases) > MAX_PHRASES:
        errors["phrases"] = [f"Не больше {MAX_PHRASES} фраз в одной записи."]
    if any(len(p) > MAX_PHRASE for p in phrases):
        errors["phrases"] = [f"Фраза не длиннее {MAX_PHRASE} символов."]
    if any(not analysis.words(p) for p in phrases):
        errors["phrases"] = ["В каждой фразе должно быть слово, не только предлоги и знаки."]
    if errors:
        raise InvalidInput("Запись тезауруса не добавлена.", errors)
    entry = models.ThesaurusEntry(marker=marker, phrases="\t".join(phrases), note=(note or "").strip() or None,
                                  added_by=_who(ctx))
    ctx.session.add(entry)
    ctx.finish()
    refresh(ctx.session, force=True)
    return entry


@rules.operation("search.thesaurus")
def remove_entry(ctx: Context, entry_id: int) -> models.ThesaurusEntry:
    rules.check(ctx, "search.thesaurus")
    entry = ctx.get(models.ThesaurusEntry, entry_id, f"Записи тезауруса № {entry_id} нет или она уже удалена.")
    if entry.removed_at is not None:
        raise NotFound(f"Записи тезауруса № {entry_id} нет или она уже удалена.")
    entry.removed_by, entry.removed_at = _who(ctx), datetime.now(timezone.utc)
    ctx.finish()
    refresh(ctx.session, force=True)
    return entry


def effective(session) -> synonyms.Thesaurus:
    """The shipped thesaurus with the live entries of the office."""
    lines = [f"{e.marker}\t{e.phrases}" for e in session.scalars(
        select(models.ThesaurusEntry).where(models.ThesaurusEntry.removed_at.is_(None)).order_by(models.ThesaurusEntry.id))]
    added = synonyms.parse("\n".join(lines), "тезаурус процессного офиса")
    shipped = synonyms.SHIPPED
    return synonyms.Thesaurus(shipped.groups + added.groups, shipped.one_way + added.one_way,
                              shipped.questions + added.questions)


def refresh(session, force: bool = False) -> None:
    """Use the office's entries if they changed since the last look (one small query, at most every
    few seconds, or at once for another store)."""
    bind = session.get_bind()
    if (not force and bind is _loaded["session"]
            and time.monotonic() - _loaded["checked"] < CHECK_SECONDS):
        return
    _loaded["session"], _loaded["checked"] = bind, time.monotonic()
    revision = tuple(session.execute(select(func.max(models.ThesaurusEntry.id),
                                            func.count(models.ThesaurusEntry.removed_at))).one())
    if revision == _loaded["revision"] and not force:
        return
    with _lock:
        thesaurus = effective(session) if revision[0] else synonyms.SHIPPED
        analysis.use_thesaurus(thesaurus)
        synonyms.CURRENT = thesaurus
        _loaded["revision"] = revision
