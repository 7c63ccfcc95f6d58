"""Files uploaded for import, kept in <instance>/imports: how long files are kept,
and how much one user may keep (finding 12 of the security issue).

An upload is a group of files sharing a token: ``<token>.<ext>`` (the file), ``<token>.json`` (who
uploaded it, what it is), ``<token>-errors.<ext>`` (the copy with an error column). A group is
removed whole once its newest file is older than CATALOG_IMPORT_KEEP_HOURS, unless a job still
needs it; the cleanup runs in the worker loop and on each upload.
"""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

from catalog.errors import CatalogError
from catalog.services import rules
from catalog.services.context import Context


_TOKEN = re.compile(r"^([0-9a-f]+)")


class QuotaExceeded(CatalogError):
    """A user keeps as many uploaded files (or bytes) as allowed."""

    status = 429


def folder(settings) -> Path:
    path = Path(settings.instance_path) / "imports"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)  # uploaded registers are the agencies' own
    return path


def _groups(settings) -> dict[str, list[Path]]:
    groups: dict[str, list[Path]] = {}
    for path in folder(settings).iterdir():
        match = _TOKEN.match(path.name)
        if match and path.is_file():
            groups.setdefault(match.group(1), []).append(path)
    return groups


def owner_of(files: list[Path]) -> int | None:
    meta = next((p for p in files if p.suffix == ".json"), None)
    if meta is None:
        return None
    try:
        return json.loads(meta.read_text(encoding="utf-8")).get("user_id")
    except (OSError, ValueError):
        return None


def cleanup(settings, keep: set[str] = frozenset(), now: float | None = None) -> int:
    """Remove every upload group older than CATALOG_IMPORT_KEEP_HOURS (``keep``: tokens jobs still use).
    Returns the number of files removed."""
    cutoff = (now or time.time()) - settings.import_keep_hours * 3600
    removed = 0
    for token, files in _groups(settings).items():
        if token in keep:
            continue
        try:
            newest = max(p.stat().st_mtime for p in files)
        except FileNotFoundError:
            continue
        if newest < cutoff:
            for path in files:
                path.unlink(missing_ok=True)
                removed += 1
    return removed


def check_quota(settings, user_id: int, incoming: int = 0) -> None:
    """Refuse one more upload past CATALOG_IMPORT_QUOTA_FILES files or CATALOG_IMPORT_QUOTA_MB of kept files."""
    count = size = 0
    for files in _groups(settings).values():
        if owner_of(files) != user_id:
            continue
        kept = [p for p in files if p.suffix != ".json"]
        count += len(kept)
        size += sum(p.stat().st_size for p in kept if p.exists())
    hours = f"{settings.import_keep_hours:g}"
    if count + 1 > settings.import_quota_files:
        raise QuotaExceeded(f"У вас хранится файлов загрузки: {count} — больше не принимается (не более "
                            f"{settings.import_quota_files}, CATALOG_IMPORT_QUOTA_FILES). Файлы удаляются через "
                            f"{hours} ч после загрузки (CATALOG_IMPORT_KEEP_HOURS).", {"file": [f"хранится {count}"]})
    if size + incoming > settings.import_quota_bytes:
        raise QuotaExceeded(f"Ваши файлы загрузки занимают {size / 1024 / 1024:.0f} МБ — с новым файлом больше "
                            f"допустимого (не более {settings.import_quota_bytes / 1024 / 1024:.0f} МБ, "
                            f"CATALOG_IMPORT_QUOTA_MB). Файлы удаляются через {hours} ч после загрузки.",
                            {"file": [f"занято {size} байт"]})


@rules.operation("imports.register")
def before_upload(ctx: Context, incoming: int = 0) -> None:
    """Everything checked before an upload's body is read: rights, old files removed, the quota."""
    rules.check(ctx, "imports.register")
    from catalog.services import import_jobs

    cleanup(ctx.settings, keep=import_jobs.active_tokens(ctx))
    if ctx.user is not None:
        check_quota(ctx.settings, ctx.user.id, incoming)
