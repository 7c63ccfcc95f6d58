"""The security review's attacks, replayed against a real server on loopback.

    .venv/bin/python benchmarks/attack.py

Starts `catalog serve` on a fresh instance with the demo region, then sends, as an anonymous
visitor and as a logged-in reader or editor would, the hostile files and queries of the review:
a BPMN carrying a script, SPARQL SERVICE and JSON-LD contexts pointing at a listener of ours,
an RDF/XML billion-laughs file, a zip-bomb xlsx, a sheet of 20 million empty rows, an OpenLineage
event with 200 000 inputs, JSON nested 100 000 deep, integers past 2^63, a lone surrogate, open
redirects, slow SPARQL queries beside ordinary pages. For each it prints the answer's status, the
seconds it took, the server's resident memory afterwards, and whether our listener was contacted.
It exits 1 if anything was fetched, any answer was a 5xx, a request outlived its limit, or the
server's memory did not come back within 100 MB of its idle size. Every request goes to
127.0.0.1 only; every loop is bounded.
"""
from __future__ import annotations

import http.client
import io
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CATALOG = str(ROOT / ".venv" / "bin" / "catalog")
SLOW = 15.0  # seconds: the slowest any answer may be (SPARQL's own limit is 10)


class Listener:
    """A TCP listener on loopback that records every connection made to it."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.contacts = 0
        self.running = True
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.contacts += 1
            conn.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/x"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    total = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            total = int(line.split()[1])
    return total / 1024


class Server:
    def __init__(self, instance: Path):
        self.port = free_port()
        env = {**os.environ, "CATALOG_INSTANCE": str(instance), "CATALOG_PORT": str(self.port)}
        self.env = env
        subprocess.run([CATALOG, "init"], env=env, check=True, capture_output=True)
        subprocess.run([CATALOG, "demo"], env=env, check=True, capture_output=True)
        self.tokens = {login: subprocess.run([CATALOG, "tokens", "create", login, "--name", "атака"], env=env,
                                             check=True, capture_output=True, text=True).stdout.strip()
                       for login in ("reader", "editor", "admin")}
        self.process = subprocess.Popen([CATALOG, "serve"], env=env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                self.request("GET", "/")
                break
            except OSError:
                time.sleep(0.1)

    def request(self, method, path, body=None, headers=None, token=None, timeout=60):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = f"Bearer {self.tokens[token]}"
        connection.request(method, path, body=body, headers=headers)
        answer = connection.getresponse()
        data = answer.read()
        connection.close()
        return answer.status, dict(answer.getheaders()), data

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


# -- hostile files, made here ----------------------------------------------------------------

def bpmn_with_script() -> bytes:
    return b"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:html="http://www.w3.org/1999/xhtml"
  id="d" targetNamespace="http://example.org/x">
  <html:script>document.title='pwned'</html:script>
  <process id="p"><task id="t" name="Shag"/></process>
</definitions>"""


def billion_laughs() -> bytes:
    lines = ['<?xml version="1.0"?>', '<!DOCTYPE r [', '<!ENTITY a0 "ha">']
    lines += [f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">' for i in range(1, 10)]
    lines += [']>', '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
              'xmlns:dct="http://purl.org/dc/terms/"><rdf:Description rdf:about="http://x/1">'
              '<dct:title>&a9;</dct:title></rdf:Description></rdf:RDF>']
    return "\n".join(lines).encode()


def xlsx_bomb() -> bytes:
    """A small xlsx whose shared strings inflate to about 1 GiB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                   '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                   '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                   '</Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="r1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                   'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Реестр" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                   '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                   '<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>')
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>')
            chunk = b"A" * (1 << 20)
            for _ in range(1024):
                part.write(chunk)
            part.write(b"</t></si></sst>")
    return out.getvalue()


def empty_rows_xlsx(rows: int = 20_000_000) -> bytes:
    """A sheet that declares and holds millions of empty rows: a few megabytes packed."""
    out = io.BytesIO()
    bomb = zipfile.ZipFile(io.BytesIO(xlsx_bomb()))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name in bomb.namelist():
            if name == "xl/sharedStrings.xml":
                z.writestr(name, '<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>x</t></si></sst>')
            elif name != "xl/worksheets/sheet1.xml":
                z.writestr(name, bomb.read(name))
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(f'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                       f'<dimension ref="A1:S{rows}"/><sheetData>'.encode())
            block = b"<row/>" * 100_000  # rows without numbers count on from the last one
            for _ in range(rows // 100_000):
                part.write(block)
            part.write(b"</sheetData></worksheet>")
    return out.getvalue()


def openlineage_wide(inputs: int = 200_000) -> bytes:
    event = {"eventType": "COMPLETE", "eventTime": "2026-11-30T10:00:00Z",
             "producer": "https://example.org/p", "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
             "run": {"runId": "3f5e83fa-3480-44ff-99c5-ff943904e5e8"},
             "job": {"namespace": "attack", "name": "wide"},
             "inputs": [{"namespace": "pg://x", "name": f"t{i}"} for i in range(inputs)], "outputs": []}
    return json.dumps(event).encode()


def multipart(field: str, filename: str, content: bytes, extra: dict | None = None) -> tuple[bytes, str]:
    boundary = "----catalogattack"
    parts = []
    for key, value in (extra or {}).items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
                 f'Content-Type: application/octet-stream\r\n\r\n'.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


# -- the run ---------------------------------------------------------------------------------

def main() -> int:
    listener = Listener()
    failures: list[str] = []
    rows: list[tuple] = []
    with tempfile.TemporaryDirectory() as folder:
        server = Server(Path(folder) / "instance")
        try:
            idle = rss_mb(server.process.pid)

            def attack(name, method, path, body=None, headers=None, token=None, expect=None):
                before = listener.contacts
                started = time.perf_counter()
                try:
                    status, answer_headers, data = server.request(method, path, body, headers, token)
                except OSError as error:
                    status, answer_headers, data = 0, {}, str(error).encode()
                seconds = time.perf_counter() - started
                time.sleep(0.5)
                memory = rss_mb(server.process.pid)
                fetched = listener.contacts > before
                rows.append((name, status, f"{seconds:.2f}", f"{memory:.0f}", "да" if fetched else "нет"))
                if fetched:
                    failures.append(f"{name}: сервер обратился к адресу из запроса")
                if status >= 500 or status == 0:
                    failures.append(f"{name}: ответ {status}")
                if seconds > SLOW:
                    failures.append(f"{name}: {seconds:.1f} с")
                if memory > idle + 100:
                    failures.append(f"{name}: память {memory:.0f} МБ при {idle:.0f} МБ в покое")
                if expect and not expect(status, answer_headers, data):
                    failures.append(f"{name}: ответ {status} не тот, что ожидался")
                return status, answer_headers, data

            # 1. A BPMN with a script: stored, then its diagram is a download that never runs.
            body, kind = multipart("file", "x.bpmn", bpmn_with_script())
            status, _, data = attack("BPMN со скриптом: загрузка", "POST", "/api/v1/processes/1/passports/bpmn?variant=as_is",
                                     body, {"Content-Type": kind}, token="admin")
            passport = json.loads(data).get("id") if status == 201 else None
            if passport:
                attack("BPMN со скриптом: схема без входа", "GET", f"/api/v1/passports/{passport}/diagram",
                       expect=lambda s, h, d: "attachment" in h.get("Content-Disposition", "")
                       and "sandbox" in h.get("Content-Security-Policy", "")
                       and h.get("X-Content-Type-Options") == "nosniff")
            # 2. SPARQL SERVICE, anonymous.
            for construct, query in (("SERVICE", f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"),
                                     ("SERVICE SILENT", f"SELECT * WHERE {{ SERVICE SILENT <{listener.url}> {{ ?s ?p ?o }} }}"),
                                     ("FROM", f"SELECT * FROM <{listener.url}> WHERE {{ ?s ?p ?o }}")):
                attack(f"SPARQL {construct} без входа", "GET",
                       "/api/v1/sparql?" + urllib.parse.urlencode({"query": query}),
                       expect=lambda s, h, d: 400 <= s < 500)
            # 3. JSON-LD contexts: a URL and a local file, anonymous and with a token.
            for context in (listener.url, "file:///etc/passwd"):
                document = json.dumps({"@context": context, "@id": "http://x/1", "title": "x"}).encode()
                for token in (None, "admin"):
                    attack(f"JSON-LD @context {context[:20]} {'токен' if token else 'без входа'}", "POST",
                           "/api/v1/import.rdf?format=jsonld", document, {"Content-Type": "application/ld+json"},
                           token=token, expect=lambda s, h, d: 400 <= s < 500)
            # 4. Billion laughs, anonymous and with a token.
            for token in (None, "admin"):
                attack(f"RDF/XML billion laughs {'токен' if token else 'без входа'}", "POST",
                       "/api/v1/import.rdf?format=xml", billion_laughs(), {"Content-Type": "application/rdf+xml"},
                       token=token, expect=lambda s, h, d: 400 <= s < 500)
            # 5. Slow SPARQL beside ordinary pages.
            heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
            with ThreadPoolExecutor(8) as pool:
                slow = [pool.submit(server.request, "GET", "/api/v1/sparql?" + urllib.parse.urlencode({"query": heavy}))
                        for _ in range(8)]
                time.sleep(0.5)
                attack("главная страница во время 8 тяжёлых SPARQL", "GET", "/")
                statuses = [future.result()[0] for future in slow]
            rows.append(("8 тяжёлых SPARQL без входа", ",".join(sorted(set(map(str, statuses)))), "", "", ""))
            if any(s >= 500 and s != 503 for s in statuses):
                failures.append(f"тяжёлые SPARQL: ответы {statuses}")
            # 7. Files that cost minutes and gigabytes.
            for name, content, filename in (("xlsx-бомба 1 ГиБ", xlsx_bomb(), "bomb.xlsx"),
                                            ("xlsx на 20 млн пустых строк", empty_rows_xlsx(), "empty.xlsx")):
                body, kind = multipart("file", filename, content)
                attack(f"{name} ({len(content) // 1024} КБ)", "POST", "/api/v1/imports/register?agency=MINSOC",
                       body, {"Content-Type": kind}, token="editor", expect=lambda s, h, d: 400 <= s < 500 or s == 202)
            attack("OpenLineage с 200 000 входов", "POST", "/api/v1/lineage", openlineage_wide(),
                   {"Content-Type": "application/json"}, token="admin", expect=lambda s, h, d: 400 <= s < 500)
            # 12. A reader uploads.
            body, kind = multipart("file", "r.xlsx", b"x" * 1000)
            attack("читатель загружает файл", "POST", "/api/v1/imports/register?agency=MINSOC", body,
                   {"Content-Type": kind}, token="reader", expect=lambda s, h, d: s in (401, 403))
            # 14. Bad input.
            for token in (None, "admin"):
                attack(f"JSON глубиной 100 000 {'токен' if token else 'без входа'}", "POST", "/api/v1/processes",
                       b"[" * 100_000 + b"]" * 100_000, {"Content-Type": "application/json"}, token=token,
                       expect=lambda s, h, d: 400 <= s < 500)
            attack("число 2^63 в пути", "GET", f"/api/v1/processes/{2 ** 63}", expect=lambda s, h, d: 400 <= s < 500)
            attack("число 2^64 в запросе", "GET", f"/api/v1/processes?page={2 ** 64}", expect=lambda s, h, d: 400 <= s < 500)
            attack("одиночный суррогат в JSON", "POST", "/api/v1/agencies", b'{"name": "\\ud800", "code": "X"}',
                   {"Content-Type": "application/json"}, token="admin", expect=lambda s, h, d: 400 <= s < 500)
            # 9. Open redirects after login.
            status, headers, page = server.request("GET", "/login")
            csrf = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
            cookie = headers.get("Set-Cookie", "").split(";")[0]
            for target in ("/%09/evil.example", "/%0d%0aSet-Cookie:x=1", "//evil.example", "/\\evil.example"):
                form = urllib.parse.urlencode({"login": "reader", "password": "catalog-demo", "next": target,
                                               "csrf_token": csrf.group(1).decode() if csrf else ""})
                attack(f"вход с next={target}", "POST", "/login", form,
                       {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
                       expect=lambda s, h, d: s in (302, 303, 200, 401, 429)
                       and not urllib.parse.urlsplit(h.get("Location", "/")).netloc
                       and not h.get("Location", "/").startswith(("//", "/\\")))
            # Every page and answer carries the headers.
            attack("заголовки защиты", "GET", "/",
                   expect=lambda s, h, d: "frame-ancestors 'none'" in h.get("Content-Security-Policy", "")
                   and h.get("X-Content-Type-Options") == "nosniff")
            final = rss_mb(server.process.pid)
        finally:
            server.stop()
            listener.running = False
    print("| атака | ответ | секунд | память сервера, МБ | обращение к адресу |")
    print("|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")
    print(f"\nПамять сервера: в покое {idle:.0f} МБ, в конце {final:.0f} МБ.")
    for failure in failures:
        print("ОШИБКА:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
