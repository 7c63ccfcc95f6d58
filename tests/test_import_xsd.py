"""SMEV data types (issue 20): an XSD or a zip of XSDs becomes a dataset the mart exposes; a new version
shows its differences from the previous one; hostile schemas are refused without a network connection.

Real published schemas are in tests/data/xsd/ (SOURCES.md says where from); the made ones are below.
"""
from __future__ import annotations

import http.server
import threading
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from catalog import models
from catalog.errors import InvalidInput, LimitExceeded
from catalog.readers.xsd import read_xsd
from catalog.services import imports
from catalog.services import records as r
from tests.hostile_files import Repeated, write_zip

DATA = Path(__file__).parent / "data" / "xsd"


def _zip(folder: Path, target: Path, only: tuple[str, ...] = ()) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*.xsd")):
            if not only or path.name in only:
                archive.write(path, path.relative_to(folder).as_posix())
    return target


@pytest.fixture
def mart(ctx):
    agency = r.create_record(ctx, "agencies", {"code": "ZAGS", "name": "Управление ЗАГС области", "kind": "executive"})
    return r.create_record(ctx, "marts", {"name": "Витрина сведений ЗАГС", "kind": "smev4",
                                          "owner_agency_id": agency.id})


def _dataset(ctx, base):
    return ctx.session.scalar(select(models.Dataset).where(models.Dataset.source_ref == f"xsd:{base}"))


def _entity(ctx, dataset, key):
    return ctx.session.scalar(select(models.Entity).where(models.Entity.dataset_id == dataset.id,
                                                          models.Entity.source_ref == key))


def _attribute(ctx, entity, code):
    return ctx.session.scalar(select(models.Attribute).where(models.Attribute.entity_id == entity.id,
                                                             models.Attribute.code == code))


def test_a_real_fns_data_type_becomes_a_dataset_the_mart_exposes(ctx, runner, mart, tmp_path):
    package = _zip(DATA / "zags-fataloiv", tmp_path / "zags-fataloiv.zip")
    done = runner.invoke("import", "xsd", str(package), "--mart", str(mart.id))
    assert done.exit_code == 0, done.output
    assert "вид сведений «Запрос сведений о записях актов о смерти», версия 4.0.0" in done.output
    ctx.session.expire_all()
    dataset = _dataset(ctx, "urn://x-artefacts-zags-fataloiv/root/112-41")
    assert (dataset.name, dataset.source_version, dataset.owner_agency_id) == \
        ("Запрос сведений о записях актов о смерти", "4.0.0", mart.owner_agency_id)
    exposes = ctx.session.scalar(select(models.Link).where(
        models.Link.link_type == "EXPOSES", models.Link.source_id == mart.id, models.Link.target_id == dataset.id))
    assert exposes is not None and exposes.transport == "smev"
    # A type of the imported «commons» schema, with its Russian documentation and restrictions.
    organ = _entity(ctx, dataset, "ОрганЗАГСТип")
    assert organ.entity_kind == "complex_type"
    assert organ.description.startswith("Сведения об органе, которым произведена государственная регистрация")
    code = _attribute(ctx, organ, "КодЗАГС")
    assert code.description.startswith("Код органа ЗАГС") and code.restrictions == "длина 8"
    assert (code.source_type, code.is_required, code.data_type) == ("fns:string-8", True, "string")
    # An anonymous type nested in an element: an entity named by its path, enumerations kept.
    status = _entity(ctx, dataset, "FATALOIVRequest.СведРегСмертОИВ.СтатусЗаписи")
    kod = _attribute(ctx, status, "КодСтатус")
    assert "значения: 01, 02, 03, 07" in kod.restrictions and kod.description == "Код статуса"
    assert _attribute(ctx, status, "ДатаНачСтатус").data_type == "date"
    # Elements of a complex type are relations between the entities.
    relations = ctx.session.scalars(select(models.Link).where(models.Link.link_type == "RELATES_TO",
                                                              models.Link.source_id == _entity(ctx, dataset, "ЗапАктТип").id))
    assert [link.target_id for link in relations] == [organ.id]
    # Imported again unchanged: nothing to do.
    again = runner.invoke("import", "xsd", str(package), "--mart", str(mart.id))
    assert "изменений нет" in again.output


def test_real_schemas_of_minzdrav_and_of_smev_itself(ctx, tmp_path):
    eln = imports.run_import(ctx, "xsd", DATA / "iemk-eln" / "smev-iemk-eln-service.xsd")
    assert eln.written and eln.details["version"] == "0.0.1"
    dataset = _dataset(ctx, "urn://iemk-rosminzdrav-ru/integration/services/eln")
    assert dataset.name == "Электронный лист нетрудоспособности"
    request = _entity(ctx, dataset, "GetPatientDocumentsRequest")
    assert _attribute(ctx, request, "Snils").description == "Снилс"
    assert _attribute(ctx, request, "From").data_type == "date"
    # SMEV's message exchange types import its basic types: both read from the zip, nothing fetched.
    package = _zip(DATA / "smev-message-exchange", tmp_path / "mx.zip",
                   only=("smev-message-exchange-types-1.1.xsd", "smev-message-exchange-basic-1.1.xsd"))
    report = imports.run_import(ctx, "xsd", package)
    assert report.details["namespace"] == "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.1"
    assert report.details["files"] == ["smev-message-exchange-types-1.1.xsd", "smev-message-exchange-basic-1.1.xsd"]
    exchange = _dataset(ctx, "urn://x-artefacts-smev-gov-ru/services/message-exchange/types")
    header = _entity(ctx, exchange, "AttachmentHeaderType")  # defined in the imported basic schema
    assert header.description.startswith("Файл, приложенный к СМЭВ-сообщению")
    assert _attribute(ctx, header, "MimeType").description == "Тип контента."


VERSION_1 = """<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tns="urn://x-artefacts-region/pособия/1.0.0"
    xmlns:c="urn://x-artefacts-region/commons/1.0.0"
    targetNamespace="urn://x-artefacts-region/pособия/1.0.0" elementFormDefault="qualified">
  <xs:import namespace="urn://x-artefacts-region/commons/1.0.0" schemaLocation="commons/commons.xsd"/>
  <xs:include schemaLocation="parts.xsd"/>
  <xs:element name="BenefitRequest">
    <xs:annotation><xs:documentation>Запрос сведений о назначенных пособиях</xs:documentation></xs:annotation>
    <xs:complexType><xs:sequence>
      <xs:element name="Заявитель" type="c:ФЛТип"/>
      <xs:element name="ВидПособия" type="tns:КодВида"/>
      <xs:element name="ДатаЗапроса" type="xs:date" minOccurs="0">
        <xs:annotation><xs:documentation>Дата, на которую запрашиваются сведения</xs:documentation></xs:annotation>
      </xs:element>
    </xs:sequence></xs:complexType>
  </xs:element>
</xs:schema>"""

PARTS = """<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:simpleType name="КодВида">
    <xs:annotation><xs:documentation>Код вида пособия</xs:documentation></xs:annotation>
    <xs:restriction base="xs:string"><xs:enumeration value="01"/><xs:enumeration value="02"/></xs:restriction>
  </xs:simpleType>
</xs:schema>"""

COMMONS = """<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn://x-artefacts-region/commons/1.0.0">
  <xs:complexType name="ФЛТип">
    <xs:annotation><xs:documentation>Сведения о физическом лице</xs:documentation></xs:annotation>
    <xs:sequence>
      <xs:element name="Фамилия"><xs:annotation><xs:documentation>Фамилия</xs:documentation></xs:annotation>
        <xs:simpleType><xs:restriction base="xs:string"><xs:maxLength value="60"/></xs:restriction></xs:simpleType>
      </xs:element>
      <xs:element name="СНИЛС"><xs:annotation><xs:documentation>СНИЛС</xs:documentation></xs:annotation>
        <xs:simpleType><xs:restriction base="xs:string"><xs:pattern value="\\d{11}"/></xs:restriction></xs:simpleType>
      </xs:element>
      <xs:element name="Телефон" type="xs:string" minOccurs="0"/>
    </xs:sequence>
    <xs:attribute name="ИдФЛ" type="xs:string" use="required"/>
  </xs:complexType>
</xs:schema>"""


def _package(path: Path, version: str, root: str, commons: str) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("pособия-root.xsd", root.replace("1.0.0", version))
        archive.writestr("parts.xsd", PARTS)
        archive.writestr("commons/commons.xsd", commons.replace("1.0.0", version))
    return path


def test_a_new_version_shows_its_differences_from_the_previous(ctx, mart, tmp_path):
    first = imports.run_import(ctx, "xsd", _package(tmp_path / "v1.zip", "1.0.0", VERSION_1, COMMONS),
                               mart_id=mart.id)
    assert first.written and first.details["version"] == "1.0.0"
    dataset = _dataset(ctx, "urn://x-artefacts-region/pособия")
    request = _entity(ctx, dataset, "BenefitRequest")
    kind = _attribute(ctx, request, "ВидПособия")  # a type of the included chameleon schema
    assert (kind.restrictions, kind.description, kind.source_type) == ("значения: 01, 02", None, "tns:КодВида")
    person = _entity(ctx, dataset, "ФЛТип")
    assert _attribute(ctx, person, "СНИЛС").restrictions == "шаблон \\d{11}"
    assert _attribute(ctx, person, "ИдФЛ").is_required and not _attribute(ctx, person, "Телефон").is_required
    phone = _attribute(ctx, person, "Телефон")
    r.update_record(ctx, "attributes", phone.id, {"description": "Контактный телефон заявителя",
                                                  "version": phone.version})

    commons_2 = COMMONS.replace('<xs:maxLength value="60"/>', '<xs:maxLength value="100"/>') \
        .replace('<xs:element name="Телефон" type="xs:string" minOccurs="0"/>',
                 '<xs:element name="Телефон" type="xs:string" minOccurs="0"/>'
                 '<xs:element name="ДатаРождения" type="xs:date"/>') \
        .replace('<xs:element name="СНИЛС"><xs:annotation><xs:documentation>СНИЛС</xs:documentation></xs:annotation>'
                 '\n        <xs:simpleType><xs:restriction base="xs:string"><xs:pattern value="\\d{11}"/></xs:restriction>'
                 '</xs:simpleType>\n      </xs:element>\n', '')
    preview = imports.run_import(ctx, "xsd", _package(tmp_path / "v2.zip", "1.0.1", VERSION_1, commons_2),
                                 mart_id=mart.id, dry_run=True)
    assert "в каталоге была версия 1.0.0" in preview.summary()
    assert preview.notes == [
        "Изменено: набор данных «Запрос сведений о назначенных пособиях»: версия: 1.0.0 → 1.0.1",
        "Изменено: атрибут «ФЛТип.Фамилия»: ограничения: длина не больше 60 → длина не больше 100",
        "Добавлено: атрибут «ФЛТип.ДатаРождения»",
        "Удалено (нет в источнике): атрибут «ФЛТип.СНИЛС»",
    ]
    ctx.session.expire_all()
    assert _dataset(ctx, "urn://x-artefacts-region/pособия").source_version == "1.0.0"  # only shown
    applied = imports.run_import(ctx, "xsd", tmp_path / "v2.zip", mart_id=mart.id)
    assert applied.written
    ctx.session.expire_all()
    assert _dataset(ctx, "urn://x-artefacts-region/pособия").source_version == "1.0.1"
    snils = _attribute(ctx, person, "СНИЛС")
    assert snils.is_deleted
    assert [e.action for e in r.record_history(ctx, "attributes", snils.id)] == ["delete", "create"]
    # The description typed in the catalogue stays: the schema documents nothing there.
    assert _attribute(ctx, person, "Телефон").description == "Контактный телефон заявителя"


def test_a_schema_whose_import_is_missing_says_so(ctx, tmp_path):
    single = tmp_path / "root.xsd"
    single.write_text(VERSION_1.replace("1.0.0", "2.0.0"), encoding="utf-8")
    report = imports.run_import(ctx, "xsd", single, dry_run=True)
    assert any("подключает «commons/commons.xsd», которого нет среди загруженных файлов" in n for n in report.notes)


# --- hostile schemas ---------------------------------------------------------------------------------


class _Counting(http.server.BaseHTTPRequestHandler):
    hits: list = []

    def do_GET(self):  # noqa: N802 — the stdlib's name
        type(self).hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"/>')

    def log_message(self, *args):
        pass


@pytest.fixture
def loopback():
    """A real HTTP server on loopback that counts requests: a schema pointing at it must never reach it."""
    _Counting.hits = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _Counting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:annotation><xs:documentation>&lol3;</xs:documentation>
</xs:annotation></xs:schema>"""


def test_entity_expansion_and_external_entities_are_refused_unfetched(loopback):
    with pytest.raises(InvalidInput) as laughs:
        read_xsd(LAUGHS.encode(), "laughs.xsd", 1 << 20)
    assert "DTD" in laughs.value.message and "laughs.xsd" in laughs.value.message
    external = f"""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY ext SYSTEM "{loopback}/secret">]>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:annotation><xs:documentation>&ext;</xs:documentation>
</xs:annotation></xs:schema>"""
    with pytest.raises(InvalidInput):
        read_xsd(external.encode(), "xxe.xsd", 1 << 20)
    located = f"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn://x/1.0">
<xs:import namespace="urn://y" schemaLocation="{loopback}/remote.xsd"/>
<xs:include schemaLocation="../../etc/passwd.xsd"/><xs:include schemaLocation="/etc/other.xsd"/>
<xs:element name="A" type="xs:string"/></xs:schema>"""
    model = read_xsd(located.encode(), "located.xsd", 1 << 20)
    assert any(f"«{loopback}/remote.xsd» не загружается" in n for n in model.notes)
    assert any("«/etc/other.xsd» не загружается" in n for n in model.notes)
    assert any("«../../etc/passwd.xsd», которого нет среди загруженных файлов" in n for n in model.notes)
    assert _Counting.hits == []


def test_deep_nesting_and_zip_bombs_are_refused(tmp_path):
    deep = '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">' + "<xs:annotation>" * 150 \
        + "</xs:annotation>" * 150 + "</xs:schema>"
    with pytest.raises(LimitExceeded) as nested:
        read_xsd(deep.encode(), "deep.xsd", 1 << 20)
    assert "вложенность элементов больше 100" in nested.value.message
    bomb = write_zip(tmp_path / "bomb.zip", {"bomb.xsd": [b'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">',
                                                          Repeated(b" " * 1024, 200_000), b"</xs:schema>"]})
    with pytest.raises(LimitExceeded) as zipped:
        read_xsd(bomb.read_bytes(), "bomb.zip", 50 << 20)
    assert "bomb.zip" in zipped.value.message  # refused from the zip's directory, nothing inflated
    with pytest.raises(InvalidInput) as not_xsd:
        read_xsd(b"<html><body>nope</body></html>", "page.xsd", 1 << 20)
    assert "не схема XSD" in not_xsd.value.message


def test_a_reader_may_not_import_a_data_type(ctx, make_user):
    from catalog.errors import Forbidden
    from catalog.services.context import Context

    reader = make_user("reader", ["reader"], password=None)
    with pytest.raises(Forbidden):
        imports.run_import(Context(session=ctx.session, user=reader, settings=ctx.settings), "xsd",
                           DATA / "iemk-eln" / "smev-iemk-eln-service.xsd")


def test_the_import_page_loads_a_data_type_for_a_mart(client, ctx, mart, make_user, login, tmp_path):
    import re

    make_user("architect", ["architect"])
    login("architect")
    package = _zip(DATA / "zags-fataloiv", tmp_path / "zags-fataloiv.zip")
    form = client.get("/import/").get_data(as_text=True)
    assert "Вид сведений СМЭВ (XSD или архив ZIP со схемами)" in form
    assert "Витрина сведений ЗАГС" in form, (mart.id, list(ctx.session.scalars(select(models.DataMart))))
    with package.open("rb") as stream:
        checked = client.post("/import/", data={"kind": "xsd", "mart": str(mart.id), "action": "check",
                                                "file": (stream, "zags-fataloiv.zip")},
                              content_type="multipart/form-data")
    page = checked.get_data(as_text=True)
    assert checked.status_code == 200, page
    assert "ничего не записано" in page and "Добавлено: сущность «ОрганЗАГСТип»" in page
    assert _dataset(ctx, "urn://x-artefacts-zags-fataloiv/root/112-41") is None
    token = re.search(r'/import/([0-9a-f]+)/apply', page).group(1)
    applied = client.post(f"/import/{token}/apply").get_data(as_text=True)
    assert "Прочитано: вид сведений «Запрос сведений о записях актов о смерти», версия 4.0.0" in applied
    ctx.session.expire_all()
    assert _dataset(ctx, "urn://x-artefacts-zags-fataloiv/root/112-41").source_version == "4.0.0"
    wrong = client.post("/import/", data={"kind": "xsd", "file": (tmp_path.joinpath("x.xlsx").open("wb+"), "x.xlsx")},
                        content_type="multipart/form-data")
    assert wrong.status_code == 422 and "ожидается схема XSD" in wrong.get_data(as_text=True)


def test_machines_load_a_data_type_through_the_api(client, ctx, mart, make_user, token_for):
    architect = token_for(make_user("architect", ["architect"], password=None))
    path = DATA / "iemk-eln" / "smev-iemk-eln-service.xsd"
    with path.open("rb") as stream:
        answer = client.post("/api/v1/imports/xsd", data={"file": (stream, path.name), "mart": str(mart.id)},
                             headers=architect, content_type="multipart/form-data")
    assert answer.status_code == 200, answer.json
    assert answer.json["details"]["version"] == "0.0.1" and answer.json["written"]
    dataset = _dataset(ctx, "urn://iemk-rosminzdrav-ru/integration/services/eln")
    assert ctx.session.scalar(select(models.Link).where(models.Link.link_type == "EXPOSES",
                                                        models.Link.target_id == dataset.id)).source_id == mart.id
    with path.open("rb") as stream:
        wrong = client.post("/api/v1/imports/xsd", data={"file": (stream, "schema.csv")}, headers=architect,
                            content_type="multipart/form-data")
    assert wrong.status_code == 422 and "xsd" in wrong.json["error"]
    with path.open("rb") as stream:
        huge = client.post("/api/v1/imports/xsd", data={"file": (stream, path.name), "mart": "9" * 30},
                           headers=architect, content_type="multipart/form-data")
    assert huge.status_code == 422 and "mart" in huge.json["fields"]


def test_a_mart_owner_registers_its_mart_data_type(ctx, mart, make_user, tmp_path):
    """Samara concept, 5 result 13 and 6.3: the mart's owner describes the data its mart presents."""
    from catalog.services.context import Context

    owner = make_user("owner", ["mart_owner"], mart_ids=[mart.id], password=None)
    as_owner = Context(session=ctx.session, user=owner, settings=ctx.settings)
    package = _zip(DATA / "zags-fataloiv", tmp_path / "zags.zip")
    report = imports.run_import(as_owner, "xsd", package, mart_id=mart.id)
    assert report.written and report.created > 100
    dataset = _dataset(ctx, "urn://x-artefacts-zags-fataloiv/root/112-41")
    assert dataset.owner_agency_id == mart.owner_agency_id
    assert ctx.session.scalar(select(models.ChangeEvent.actor_name).where(
        models.ChangeEvent.record_kind == "entities").limit(1)) == "owner"
