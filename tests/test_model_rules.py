"""The register's rules: mandatory fields, identifiers, status order and reasons, versions, soft deletion."""
import pytest

from catalog.errors import Conflict, InvalidInput
from catalog.services import records as r


def test_starred_register_fields_are_mandatory(ctx, seed):
    with pytest.raises(InvalidInput) as caught:
        r.create_record(ctx, "processes", {"agency_id": seed.agency.id})
    missing = set(caught.value.fields)
    assert {"registry_id", "service_id", "name", "responsible_id", "status"} <= missing
    assert all("Обязательное поле" in caught.value.fields[f][0] for f in missing)


def test_registry_id_is_kept_as_given_and_unique_within_agency(ctx, seed):
    assert seed.process.registry_id == "001"
    base = {"service_id": seed.service.id, "name": "Другой процесс", "responsible_id": seed.person.id,
            "status": "queued_research"}
    with pytest.raises(InvalidInput) as caught:
        r.create_record(ctx, "processes", {**base, "agency_id": seed.agency.id, "registry_id": "001"})
    assert "registry_id" in caught.value.fields
    other = r.create_record(ctx, "processes", {**base, "agency_id": seed.other_agency.id, "registry_id": "001",
                                               "responsible_id": seed.other_person.id})
    assert other.registry_id == "001"


def test_unknown_status_is_refused_with_the_allowed_list(ctx, seed):
    with pytest.raises(InvalidInput) as caught:
        r.update_record(ctx, "processes", seed.process.id, {"version": 1, "status": "done"})
    assert "в очереди на исследование" in caught.value.fields["status"][0]


def test_status_moves_forward_freely_and_back_only_with_a_reason(ctx, seed):
    p = r.update_record(ctx, "processes", seed.process.id, {"version": 1, "status": "reengineering"})
    with pytest.raises(InvalidInput) as caught:
        r.update_record(ctx, "processes", p.id, {"version": p.version, "status": "researching"})
    assert "причину" in caught.value.fields["status_reason"][0]
    p = r.update_record(ctx, "processes", p.id, {"version": p.version, "status": "researching",
                                                 "status_reason": "Выявлены новые этапы"})
    transitions = r.status_transitions(ctx, p.id)
    assert [(t.from_status, t.to_status, t.reason) for t in transitions] == [
        (None, "queued_research", None),
        ("queued_research", "reengineering", None),
        ("reengineering", "researching", "Выявлены новые этапы"),
    ]
    assert all(t.actor_name == "тест" and t.changed_at for t in transitions)


def test_stale_version_is_refused_with_what_changed(ctx, seed):
    r.update_record(ctx, "processes", seed.process.id, {"version": 1, "client": "Граждане с детьми"})
    with pytest.raises(Conflict) as caught:
        r.update_record(ctx, "processes", seed.process.id, {"version": 1, "client": "Семьи"})
    changes = caught.value.extra["changes"]
    assert changes[0]["changes"]["client"] == {"before": None, "after": "Граждане с детьми"}
    assert r.get_record(ctx, "processes", seed.process.id).client == "Граждане с детьми"


def test_every_change_is_in_the_history_with_before_and_after(ctx, seed):
    r.update_record(ctx, "processes", seed.process.id, {"version": 1, "name": "Приём и регистрация заявления"})
    events = r.record_history(ctx, "processes", seed.process.id)
    assert [e.action for e in events] == ["update", "create"]
    assert events[0].changes["name"] == {"before": "Приём заявления о назначении выплаты",
                                         "after": "Приём и регистрация заявления"}
    assert events[0].actor_name == "тест" and events[0].version == 2


def test_soft_delete_keeps_links_and_can_be_undone(ctx, seed):
    r.delete_record(ctx, "datasets", seed.dataset.id)
    outgoing, _ = r.links_of(ctx, "marts", seed.mart.id)
    assert len(outgoing) == 1 and outgoing[0].other_deleted
    assert r.list_records(ctx, "datasets").total == 0
    assert r.list_records(ctx, "datasets", only_deleted=True).total == 1
    r.restore_record(ctx, "datasets", seed.dataset.id)
    outgoing, _ = r.links_of(ctx, "marts", seed.mart.id)
    assert not outgoing[0].other_deleted
    assert [e.action for e in r.record_history(ctx, "datasets", seed.dataset.id)][:2] == ["restore", "delete"]


def test_references_must_exist_and_not_be_deleted(ctx, seed):
    r.delete_record(ctx, "people", seed.other_person.id)
    with pytest.raises(InvalidInput) as caught:
        r.update_record(ctx, "processes", seed.process.id,
                        {"version": 1, "responsible_id": seed.other_person.id, "service_id": 99999})
    assert "удалена" in caught.value.fields["responsible_id"][0]
    assert "не существует" in caught.value.fields["service_id"][0]


def test_link_types_join_only_their_kinds(ctx, seed):
    with pytest.raises(InvalidInput) as caught:
        r.create_record(ctx, "links", {"link_type": "STORED_IN", "source_kind": "processes",
                                       "source_id": seed.process.id, "target_kind": "datasets",
                                       "target_id": seed.dataset.id})
    assert {"source_kind", "target_kind"} <= set(caught.value.fields)
    link = r.create_record(ctx, "links", {"link_type": "CONSUMES", "source_kind": "processes",
                                          "source_id": seed.process.id, "target_kind": "datasets",
                                          "target_id": seed.dataset.id, "transport": "paper", "frequency": "on_request"})
    assert link.transport == "paper"
    with pytest.raises(InvalidInput) as caught:
        r.create_record(ctx, "links", {"link_type": "CONSUMES", "source_kind": "processes",
                                       "source_id": seed.process.id, "target_kind": "datasets",
                                       "target_id": seed.dataset.id})
    assert "уже есть" in caught.value.fields["target_id"][0]


def test_agency_cannot_be_its_own_ancestor(ctx, seed):
    r.update_record(ctx, "agencies", seed.other_agency.id, {"version": 1, "parent_id": seed.agency.id})
    with pytest.raises(InvalidInput) as caught:
        r.update_record(ctx, "agencies", seed.agency.id, {"version": 1, "parent_id": seed.other_agency.id})
    assert "parent_id" in caught.value.fields


def test_russian_text_filter_ignores_case_and_yo(ctx, seed):
    assert r.list_records(ctx, "processes", q="ПРИЁМ").total == 1
    assert r.list_records(ctx, "services", q="ребенка").total == 1


def test_concurrent_writers_cannot_both_win(app, ctx, seed):
    """Two sessions read version 1; the second to write is refused even past the service check."""
    from catalog.services.context import Context
    other = Context(session=app.extensions["catalog"].sessions(), is_system=True, system_actor="второй")
    mine = r.get_record(ctx, "processes", seed.process.id)
    r.get_record(other, "processes", seed.process.id)  # loaded at version 1 in the other session
    r.update_record(ctx, "processes", mine.id, {"version": 1, "client": "Первый"})
    with pytest.raises(Conflict):
        r.update_record(other, "processes", seed.process.id, {"version": 1, "client": "Второй"})
    other.session.close()
    ctx.session.expire_all()
    assert r.get_record(ctx, "processes", seed.process.id).client == "Первый"


def test_migrations_match_the_models(app):
    """The schema the migrations build is the one the models describe."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from catalog.models import Base
    from catalog.services.records import substring_indexed

    # The substring filter's trigram indexes are not models (migration 0021).
    tables = substring_indexed()
    own = {f"{t}_text{s}" for t in tables for s in ("", "_data", "_idx", "_docsize", "_config")}
    own |= {f"ix_{t}_{c}_trgm" for t, columns in tables.items() for c in columns}

    def include_name(name, type_, parent_names):
        return name not in own

    with app.extensions["catalog"].engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": include_name})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []
