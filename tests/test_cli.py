"""The catalog command: init, users and tokens, anonymous reading, dump and restore."""
import os
import shutil

from sqlalchemy import create_engine, select, text

from catalog.models import Base


def test_init_is_idempotent(runner):
    first = runner.invoke("init")
    assert first.exit_code == 0 and "актуальна" in first.output
    assert runner.invoke("init").exit_code == 0


def test_users_and_tokens(runner, seed, client):
    created = runner.invoke("users", "create", "olga", "--name", "Ольга Сергеевна", "--role", "agency_editor",
                            "--agency", "MINSOC", "--password", "длинный-пароль")
    assert created.exit_code == 0, created.output
    assert "olga" in runner.invoke("users", "list").output
    bad = runner.invoke("users", "create", "ivan", "--name", "Иван", "--role", "agency_editor", "--password", "x")
    assert bad.exit_code != 0
    assert "agency_ids" in bad.output and "password" in bad.output
    unknown = runner.invoke("users", "create", "ivan", "--name", "Иван", "--role", "reader", "--agency", "NOPE")
    assert unknown.exit_code != 0 and "NOPE" in unknown.output
    secret = runner.invoke("tokens", "create", "olga", "--name", "Загрузка").output.strip()
    headers = {"Authorization": f"Bearer {secret}"}
    answer = client.get(f"/api/v1/processes/{seed.process.id}", headers=headers)
    assert answer.status_code == 200
    patch = client.patch(f"/api/v1/processes/{seed.process.id}", headers=headers,
                         json={"version": 1, "client": "Семьи с детьми"})
    assert patch.status_code == 200
    token_id = runner.invoke("tokens", "list").output.split("\t")[0]
    assert runner.invoke("tokens", "revoke", token_id).exit_code == 0
    assert client.get("/api/v1/processes", headers=headers).status_code == 401
    runner.invoke("users", "update", "olga", "--inactive")
    assert "(отключён)" in runner.invoke("users", "list").output


def test_anonymous_read_switch(runner, client, seed):
    assert runner.invoke("anonymous-read", "off").exit_code == 0
    assert client.get("/api/v1/processes").status_code == 401
    runner.invoke("anonymous-read", "on")
    assert client.get("/api/v1/processes").status_code == 200


def _rows(url):
    engine = create_engine(url)
    with engine.connect() as connection:
        out = {t.name: [tuple(r) for r in connection.execute(select(t).order_by(*t.primary_key.columns))]
               for t in Base.metadata.sorted_tables}
    engine.dispose()
    return out


def test_dump_and_restore_round_trip(runner, seed, ctx, make_user, database_url, tmp_path, request):
    from catalog.services import records, users
    # History beyond creation: an update, a status step back, a deletion, a restore, a user with a token.
    p = records.update_record(ctx, "processes", seed.process.id, {"version": 1, "status": "reengineered"})
    records.update_record(ctx, "processes", p.id, {"version": 2, "status": "researching", "status_reason": "Ошибка"})
    records.delete_record(ctx, "datasets", seed.dataset.id)
    records.restore_record(ctx, "datasets", seed.dataset.id)
    child = records.create_record(ctx, "agencies", {"code": "MFC", "name": "МФЦ", "kind": "subordinate"})
    records.update_record(ctx, "agencies", seed.agency.id, {"version": 1, "parent_id": child.id})
    users.create_token(ctx, make_user("olga", ["admin"]).id, "ETL")

    path = tmp_path / "catalog.jsonl.gz"
    assert runner.invoke("dump", str(path)).exit_code == 0
    target = _empty_database(database_url, tmp_path, request)
    from catalog.cli import main
    from click.testing import CliRunner
    restored = CliRunner().invoke(main, ["--database-url", target, "restore", str(path)], catch_exceptions=False)
    assert restored.exit_code == 0, restored.output
    assert _rows(target) == _rows(database_url)
    again = CliRunner().invoke(main, ["--database-url", target, "restore", str(path)])
    assert again.exit_code != 0 and "не пуст" in again.output
    # New records continue after the restored ids.
    engine = create_engine(target)
    with engine.begin() as connection:
        new_id = connection.execute(text(
            "INSERT INTO process_groups (name, version, created_at, updated_at) "
            "VALUES ('Новая', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id")).scalar()
    engine.dispose()
    assert new_id > 0


def test_restore_refuses_a_broken_file(runner, tmp_path):
    path = tmp_path / "broken.jsonl.gz"
    path.write_bytes(b"not a dump")
    answer = runner.invoke("restore", str(path))
    assert answer.exit_code != 0 and "повреждён" in answer.output


def _empty_database(database_url, tmp_path, request):
    if database_url.startswith("sqlite"):
        target = tmp_path / "restored.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    server = request.getfixturevalue("pg_server")
    name = f"restored_{os.getpid()}_{tmp_path.name[-12:]}".lower().replace("-", "_")
    engine = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE catalog_template'))
    engine.dispose()
    return server.url(name)


def test_restore_refuses_a_truncated_dump_and_writes_nothing(runner, seed, tmp_path, database_url, request):
    import gzip

    path = tmp_path / "full.jsonl.gz"
    runner.invoke("dump", str(path))
    lines = gzip.open(path, "rt", encoding="utf-8").read().splitlines()
    cut = tmp_path / "cut.jsonl.gz"
    with gzip.open(cut, "wt", encoding="utf-8") as out:
        out.write("\n".join(lines[: len(lines) // 2]) + "\n")
    target = _empty_database(database_url, tmp_path, request)
    from click.testing import CliRunner

    from catalog.cli import main
    answer = CliRunner().invoke(main, ["--database-url", target, "restore", str(cut)])
    assert answer.exit_code != 0 and "обрывается" in answer.output
    before = _rows(target)
    # Nothing is written; the production calendar the migrations load is still there, as it was.
    assert all(not rows for name, rows in before.items() if name != "calendar_days")
    assert len(before["calendar_days"]) == len(_rows(database_url)["calendar_days"]) > 0
