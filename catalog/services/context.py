"""Who is acting, on which session: passed to every service function."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from catalog.config import Settings
from catalog.models import User


@dataclass
class Context:
    session: Session
    user: User | None = None
    # True for the CLI and loaders run on the server itself: whoever runs them
    # administers the catalogue. Web requests never set it.
    is_system: bool = False
    system_actor: str = "система"
    # Services commit after each operation unless a caller batches several.
    autocommit: bool = True
    settings: Settings = field(default_factory=Settings)
    # The configured graph backend when it is not the store itself (the neo4j projection).
    graph: Any = None
    # The search projection (catalog.search.open_search), opened by the app or the CLI.
    search: Any = None
    # The outbox consumer (catalog.outbox) keeping the projections in step, if one runs: then a
    # read applies only a short tail of the outbox instead of the whole backlog.
    outbox: Any = None
    # Bulk loads (importers): with autocommit off, leave the change events of an operation
    # pending until the next flush instead of flushing after every operation.
    bulk: bool = False
    # A file the agency declares (the register, RDF): a reengineering status without its evidence is
    # kept as declared and shown «не подтверждён» (catalog.services.evidence), not refused.
    declared: bool = False
    # A register import creating the acts, life situations and groups it names (imports.create_references).
    creating_references: bool = False
    # Kemerovo register rules 3.3: the day the register change being made arose, as its editor gives it
    # (a form, the API, an import); None: today. Kept on the change events beside the server's time.
    change_arose_on: date | None = None
    # False while a whole RDF catalogue loads: its records are kept as declared, and `catalog validate`
    # reports what breaks the register's rules (catalog.services.consistency), instead of refusing the file.
    register_rules: bool = True

    @property
    def actor_id(self) -> int | None:
        return self.user.id if self.user else None

    @property
    def actor_name(self) -> str:
        if self.user:
            return self.user.login
        return self.system_actor if self.is_system else "аноним"

    def get(self, model, key, missing: str, *, deleted: bool = False):
        """The row of ``model`` with this key, or NotFound with the domain's Russian message: the one
        get-or-404 of the services. Soft-deleted records count as missing unless ``deleted``."""
        from catalog.errors import NotFound

        row = self.session.get(model, key)
        if row is None or (not deleted and getattr(row, "is_deleted", False)):
            raise NotFound(missing)
        return row

    def finish(self) -> None:
        if self.autocommit:
            self.session.commit()
        elif not self.bulk:
            self.session.flush()
