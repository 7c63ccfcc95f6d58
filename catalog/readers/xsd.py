"""An SMEV «вид сведений» as it is published: an XSD, or a zip of XSDs joined by ``include`` and
``import``, read into a plain structure (``catalog.services.imports.xsd`` lays it over the catalogue).

What comes out: the target namespace of the main schema (the identifier of the data type) split into
its base and its version (SMEV writes the version as the last segment: ``…/root/112-41/4.0.0``); an
entity per named complex type and per element with an anonymous complex type (nested ones named by
their path, «FATALOIVRequest.СведРегСмертОИВ»); an attribute per element of simple type and per XML
attribute, with its ``xs:documentation`` as the description, required or not (``minOccurs``, ``use``),
its type as written and its restrictions (length, pattern, enumerations, digits, bounds) collected
along the chain of simple types; a relation per element of complex type.

Safety: every document is parsed with defusedxml, any DTD refused (no entity expansion, no external
entity fetched); ``schemaLocation`` is looked up only among the files given (a URL or a path outside
the zip is never opened: the report names it); a zip is checked from its directory before anything is
unpacked (the number of files, their sizes, the compression ratio); the files together are bounded by
``max_bytes`` and the nesting of elements by ``MAX_DEPTH``.
"""
from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from catalog.errors import InvalidInput, LimitExceeded

XS = "http://www.w3.org/2001/XMLSchema"
MAX_DEPTH = 100  # nesting of XML elements in one document; SMEV schemas stay well under 40
MAX_FILES = 500  # XSD files in one zip
MAX_RATIO = 100  # uncompressed to compressed size of a zip member
MAX_TYPE_DEPTH = 50  # chains of simple types, extensions and nested anonymous types

INTEGER_TYPES = {"integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
                 "nonPositiveInteger", "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort",
                 "unsignedByte", "gYear"}
DECIMAL_TYPES = {"decimal", "double", "float"}
BUILTIN_KINDS = {"date": "date", "dateTime": "datetime", "boolean": "boolean", "base64Binary": "document"}
VERSION = re.compile(r"^v?\d+(\.\d+)*$")


@dataclass
class XsdAttribute:
    name: str
    type_name: str
    data_type: str
    required: bool
    documentation: str | None
    restrictions: str | None
    is_attribute: bool = False  # an XML attribute, not a child element


@dataclass
class XsdEntity:
    key: str
    kind: str  # complex_type | element
    documentation: str | None
    attributes: list[XsdAttribute] = field(default_factory=list)


@dataclass
class XsdRelation:
    source: str
    target: str
    element: str
    documentation: str | None


@dataclass
class XsdModel:
    namespace: str
    base: str
    version: str | None
    title: str
    documentation: str | None
    files: list[str]
    entities: list[XsdEntity] = field(default_factory=list)
    relations: list[XsdRelation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def split_namespace(namespace: str, schema_version: str | None = None) -> tuple[str, str | None]:
    """``urn://x-artefacts-zags-fataloiv/root/112-41/4.0.0`` → (``…/root/112-41``, ``4.0.0``)."""
    head, _, last = namespace.rstrip("/").rpartition("/")
    if head and VERSION.match(last):
        return head, last.lstrip("v")
    return namespace, schema_version


def _local(qname: str | None) -> tuple[str | None, str]:
    if not qname:
        return None, ""
    prefix, _, name = qname.rpartition(":")
    return prefix or None, name


def _tag(element) -> str:
    tag = element.tag
    return tag.split("}", 1)[1] if isinstance(tag, str) and tag.startswith("{" + XS + "}") else ""


def _children(element, *names):
    return [c for c in element if _tag(c) in names]


def _documentation(element) -> str | None:
    texts = []
    for annotation in _children(element, "annotation"):
        for doc in _children(annotation, "documentation"):
            text = " ".join("".join(doc.itertext()).split())
            if text:
                texts.append(text)
    return " ".join(texts) or None


class _Document:
    def __init__(self, name: str, root, prefixes: dict[str, str]):
        self.name, self.root = name, root
        self.namespace = root.get("targetNamespace") or ""
        self.prefixes = prefixes  # prefix → namespace, as the document declares them


def _parse(name: str, data: bytes) -> _Document:
    try:
        prefixes = {}
        for event, item in SafeET.iterparse(io.BytesIO(data), events=("start-ns",), forbid_dtd=True,
                                            forbid_entities=True, forbid_external=True):
            prefixes.setdefault(item[0], item[1])
        root = _bounded(SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True),
                        name)
    except DefusedXmlException:
        raise InvalidInput(f"Файл «{name}» отклонён: в нём объявление DTD или сущностей (DOCTYPE, ENTITY). "
                           "Схемы СМЭВ их не содержат, а каталог их не раскрывает и не загружает.",
                           {"file": [f"{name}: DTD и сущности не допускаются."]}) from None
    except SafeET.ParseError as error:
        raise InvalidInput(f"Файл «{name}» не читается как XML: {error}.", {"file": [f"{name}: {error}"]}) from None
    if root.tag != f"{{{XS}}}schema":
        raise InvalidInput(f"Файл «{name}» — не схема XSD (корневой элемент не xs:schema).",
                           {"file": [f"{name}: ожидается xs:schema."]})
    return _Document(name, root, prefixes)


def _bounded(root, name: str):
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise LimitExceeded(f"Файл «{name}» отклонён: вложенность элементов больше {MAX_DEPTH}.",
                                {"file": [f"{name}: вложенность больше {MAX_DEPTH}."]})
        stack.extend((child, depth + 1) for child in element)
    return root


def _files(data: bytes, file_name: str, max_bytes: int) -> dict[str, bytes]:
    """{path: content} of an .xsd or of the .xsd files of a zip, bounded before anything is unpacked."""
    if len(data) > max_bytes:
        raise LimitExceeded(f"Файл «{file_name}» больше {max_bytes // (1024 * 1024)} МБ (CATALOG_IMPORT_MAX_MB).",
                            {"file": ["Слишком большой файл."]})
    if not data.startswith(b"PK"):
        return {posixpath.basename(file_name) or "schema.xsd": data}
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise InvalidInput(f"Архив «{file_name}» повреждён.", {"file": ["Не читается как zip."]}) from None
    members = [m for m in archive.infolist() if not m.is_dir() and m.filename.lower().endswith(".xsd")]
    if not members:
        raise InvalidInput(f"В архиве «{file_name}» нет файлов .xsd.", {"file": ["Нет схем XSD."]})
    if len(members) > MAX_FILES:
        raise LimitExceeded(f"В архиве «{file_name}» больше {MAX_FILES} схем.", {"file": ["Слишком много файлов."]})
    total = sum(m.file_size for m in members)
    for member in members:
        if member.compress_size and member.file_size / member.compress_size > MAX_RATIO and member.file_size > 1 << 20:
            raise LimitExceeded(f"Архив «{file_name}» отклонён: «{member.filename}» сжат более чем в {MAX_RATIO} раз.",
                                {"file": [f"{member.filename}: подозрительная степень сжатия."]})
    if total > max_bytes:
        raise LimitExceeded(f"Схемы архива «{file_name}» вместе больше {max_bytes // (1024 * 1024)} МБ.",
                            {"file": ["Слишком большой архив."]})
    files = {}
    for member in members:
        with archive.open(member) as stream:
            content = stream.read(member.file_size + 1)
        if len(content) > member.file_size:  # the directory lied about the size
            raise LimitExceeded(f"Архив «{file_name}» отклонён: «{member.filename}» больше заявленного.",
                                {"file": [member.filename]})
        files[posixpath.normpath(member.filename)] = content
    return files


class _Reader:
    def __init__(self, files: dict[str, bytes], file_name: str):
        self.notes: list[str] = []
        self.docs = {path: _parse(path, content) for path, content in files.items()}
        self.sizes = {path: len(content) for path, content in files.items()}
        self.main = self._main(file_name)
        self.loaded: list[_Document] = []
        self._load(self.main)
        # Global definitions of every loaded document: (namespace, name) → element
        self.complex, self.simple, self.elements, self.attributes, self.groups, self.attr_groups = \
            {}, {}, {}, {}, {}, {}
        for doc in self.loaded:
            for child in doc.root:
                kind, name = _tag(child), child.get("name")
                target = {"complexType": self.complex, "simpleType": self.simple, "element": self.elements,
                          "attribute": self.attributes, "group": self.groups,
                          "attributeGroup": self.attr_groups}.get(kind)
                if target is not None and name:
                    target.setdefault((doc.namespace, name), (doc, child))
        self.entities: dict[str, XsdEntity] = {}
        self.entity_of_type: dict[tuple, str] = {}
        self.relations: list[XsdRelation] = []

    def _main(self, file_name: str) -> _Document:
        referenced = set()
        for path, doc in self.docs.items():
            for ref in _children(doc.root, "include", "import", "redefine"):
                location = ref.get("schemaLocation")
                if location:
                    referenced.add(posixpath.normpath(posixpath.join(posixpath.dirname(path), location)))
        roots = [p for p in sorted(self.docs) if p not in referenced] or sorted(self.docs)
        # SMEV names the main schema «…-root…»; otherwise the largest of the unreferenced files.
        roots.sort(key=lambda p: (0 if "root" in p.lower() else 1, -self.sizes[p], p))
        if len(roots) > 1:
            self.notes.append(f"Главная схема — «{roots[0]}»; не подключены ею: "
                              + ", ".join(f"«{p}»" for p in roots[1:]) + ".")
        return self.docs[roots[0]]

    def _load(self, doc: _Document) -> None:
        if doc in self.loaded:
            return
        self.loaded.append(doc)
        for ref in _children(doc.root, "include", "import", "redefine"):
            location = ref.get("schemaLocation")
            if not location:
                continue
            if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", location) or location.startswith(("/", "\\")):
                self.notes.append(f"«{doc.name}»: схема «{location}» не загружается — каталог не обращается "
                                  "к внешним адресам; её типы не раскрыты.")
                continue
            path = posixpath.normpath(posixpath.join(posixpath.dirname(doc.name), location.replace("\\", "/")))
            if path in self.docs and not self.docs[path].namespace and _tag(ref) == "include":
                self.docs[path].namespace = doc.namespace  # a chameleon include takes the includer's namespace
            if path not in self.docs:
                self.notes.append(f"«{doc.name}» подключает «{location}», которого нет среди загруженных файлов: "
                                  "загрузите zip со всеми схемами вида сведений.")
                continue
            self._load(self.docs[path])

    # --- names ---

    def _qname(self, doc: _Document, element, qname: str | None) -> tuple[str | None, str]:
        prefix, name = _local(qname)
        if prefix is None:
            # The default namespace; without one, the schema's own (lenient: chameleon includes, sloppy files).
            return doc.prefixes.get("", doc.namespace), name
        return doc.prefixes.get(prefix, prefix), name

    def _is_xs(self, namespace) -> bool:
        return namespace == XS

    # --- simple types: base builtin and facets ---

    def _simple(self, doc, element, type_qname: str | None, depth=0) -> tuple[str, list[str]]:
        """(builtin name, restriction texts) of a simple type named ``type_qname`` or defined in ``element``."""
        if depth > MAX_TYPE_DEPTH:
            return "string", []
        if type_qname:
            namespace, name = self._qname(doc, element, type_qname)
            if self._is_xs(namespace):
                return name, []
            found = self.simple.get((namespace, name))
            if found is None:
                return "string", []
            return self._simple(found[0], found[1], None, depth + 1)
        simple = element if _tag(element) == "simpleType" else next(iter(_children(element, "simpleType")), None)
        if simple is None:
            return "string", []
        restriction = next(iter(_children(simple, "restriction")), None)
        if restriction is None:
            if _children(simple, "list"):
                return "string", ["список значений"]
            if _children(simple, "union"):
                return "string", ["объединение типов"]
            return "string", []
        if restriction.get("base"):
            builtin, facets = self._simple(doc, restriction, restriction.get("base"), depth + 1)
        else:
            builtin, facets = self._simple(doc, restriction, None, depth + 1)
        return builtin, facets + _facets(restriction)

    def _data_type(self, builtin: str) -> str:
        if builtin in INTEGER_TYPES:
            return "integer"
        if builtin in DECIMAL_TYPES:
            return "decimal"
        return BUILTIN_KINDS.get(builtin, "string")

    # --- complex types into entities ---

    def run(self) -> XsdModel:
        for (namespace, name), (doc, element) in self.complex.items():
            self._entity_for_type(doc, element, name)
        for (namespace, name), (doc, element) in self.elements.items():
            inline = next(iter(_children(element, "complexType")), None)
            if inline is not None:
                self._entity(doc, inline, name, "element", _documentation(element))
        namespace = self.main.namespace
        base, version = split_namespace(namespace, self.main.root.get("version"))
        title = self._title()
        return XsdModel(namespace=namespace, base=base, version=version, title=title,
                        documentation=_documentation(self.main.root), files=[d.name for d in self.loaded],
                        entities=list(self.entities.values()), relations=self.relations, notes=self.notes)

    def _title(self) -> str:
        docs = _documentation(self.main.root)
        if docs and not docs.startswith("-") and len(docs) <= 300:
            return docs
        globals_ = [(c.get("name"), _documentation(c)) for c in _children(self.main.root, "element") if c.get("name")]
        for name, doc in globals_:
            if doc and name.endswith("Request") and name != "Request":
                return doc
        for name, doc in globals_:
            if doc:
                return doc
        return self.main.namespace or self.main.name

    def _key(self, wanted: str) -> str:
        key, n = wanted, 2
        while key in self.entities:
            key, n = f"{wanted} ({n})", n + 1
        return key

    def _entity_for_type(self, doc, element, name) -> str:
        marker = ("type", doc.namespace, name)
        if marker not in self.entity_of_type:
            self.entity_of_type[marker] = ""  # being built: a type containing itself points back
            self.entity_of_type[marker] = self._entity(doc, element, name, "complex_type", _documentation(element))
        return self.entity_of_type[marker] or name

    def _entity(self, doc, complex_type, wanted: str, kind: str, documentation: str | None, depth=0) -> str:
        key = self._key(wanted)
        entity = XsdEntity(key=key, kind=kind, documentation=documentation or _documentation(complex_type))
        self.entities[key] = entity
        self._content(doc, complex_type, entity, required=True, depth=depth, seen=set())
        return key

    def _content(self, doc, node, entity: XsdEntity, required: bool, depth: int, seen: set) -> None:
        if depth > MAX_TYPE_DEPTH:
            return
        for child in node:
            tag = _tag(child)
            if tag in ("sequence", "all"):
                self._content(doc, child, entity, required and child.get("minOccurs") != "0", depth + 1, seen)
            elif tag == "choice":
                self._content(doc, child, entity, False, depth + 1, seen)
            elif tag in ("complexContent", "simpleContent"):
                self._content(doc, child, entity, required, depth + 1, seen)
            elif tag in ("extension", "restriction") and _tag(node) in ("complexContent", "simpleContent"):
                base = child.get("base")
                namespace, name = self._qname(doc, child, base)
                if _tag(node) == "simpleContent":
                    builtin, facets = self._simple(doc, child, base) if tag == "extension" else \
                        (self._simple(doc, child, base)[0], _facets(child))
                    entity.attributes.append(XsdAttribute("значение", base or "", self._data_type(builtin), True,
                                                          None, _restriction_text(facets)))
                elif tag == "extension" and (namespace, name) in self.complex and (namespace, name) not in seen:
                    base_doc, base_type = self.complex[(namespace, name)]
                    self._content(base_doc, base_type, entity, required, depth + 1, seen | {(namespace, name)})
                self._content(doc, child, entity, required, depth + 1, seen)
            elif tag == "group" and child.get("ref"):
                found = self.groups.get(self._qname(doc, child, child.get("ref")))
                if found is not None:
                    self._content(found[0], found[1], entity, required and child.get("minOccurs") != "0",
                                  depth + 1, seen)
            elif tag == "attributeGroup" and child.get("ref"):
                found = self.attr_groups.get(self._qname(doc, child, child.get("ref")))
                if found is not None:
                    self._content(found[0], found[1], entity, required, depth + 1, seen)
            elif tag == "element":
                self._element(doc, child, entity, required and child.get("minOccurs") != "0", depth)
            elif tag == "attribute":
                self._attribute(doc, child, entity)

    def _element(self, doc, element, entity: XsdEntity, required: bool, depth: int) -> None:
        if element.get("ref"):
            found = self.elements.get(self._qname(doc, element, element.get("ref")))
            if found is None:
                return
            target_doc, target = found
            documentation = _documentation(element) or _documentation(target)
            doc, element_def = target_doc, target
        else:
            element_def, documentation = element, _documentation(element)
        name = element_def.get("name") or ""
        inline = next(iter(_children(element_def, "complexType")), None)
        type_qname = element_def.get("type")
        if inline is not None:
            target = self._entity(doc, inline, f"{entity.key}.{name}", "element", documentation, depth + 1)
            self.relations.append(XsdRelation(entity.key, target, name, documentation))
            return
        if type_qname:
            namespace, local = self._qname(doc, element_def, type_qname)
            if (namespace, local) in self.complex:
                type_doc, complex_type = self.complex[(namespace, local)]
                target = self._entity_for_type(type_doc, complex_type, local)
                self.relations.append(XsdRelation(entity.key, target, name, documentation))
                return
            if self._is_xs(namespace) and local == "anyType":
                return
        builtin, facets = self._simple(doc, element_def, type_qname)
        entity.attributes.append(XsdAttribute(name, type_qname or f"xs:{builtin}", self._data_type(builtin), required,
                                              documentation, _restriction_text(facets)))

    def _attribute(self, doc, attribute, entity: XsdEntity) -> None:
        if attribute.get("ref"):
            found = self.attributes.get(self._qname(doc, attribute, attribute.get("ref")))
            if found is None:
                return
            doc, definition = found
            documentation = _documentation(attribute) or _documentation(definition)
        else:
            definition, documentation = attribute, _documentation(attribute)
        if attribute.get("use") == "prohibited":
            return
        type_qname = definition.get("type")
        builtin, facets = self._simple(doc, definition, type_qname)
        entity.attributes.append(XsdAttribute(definition.get("name") or "", type_qname or f"xs:{builtin}",
                                              self._data_type(builtin), attribute.get("use") == "required",
                                              documentation, _restriction_text(facets), is_attribute=True))


def _facets(restriction) -> list[str]:
    out, values = [], []
    for facet in restriction:
        tag, value = _tag(facet), facet.get("value")
        if value is None:
            continue
        if tag == "enumeration":
            values.append(value)
        elif tag == "length":
            out.append(f"длина {value}")
        elif tag == "minLength":
            out.append(f"длина не меньше {value}")
        elif tag == "maxLength":
            out.append(f"длина не больше {value}")
        elif tag == "pattern":
            out.append(f"шаблон {value}")
        elif tag == "totalDigits":
            out.append(f"цифр не больше {value}")
        elif tag == "fractionDigits":
            out.append(f"знаков после запятой не больше {value}")
        elif tag in ("minInclusive", "minExclusive", "maxInclusive", "maxExclusive"):
            words = {"minInclusive": "не меньше", "minExclusive": "больше", "maxInclusive": "не больше",
                     "maxExclusive": "меньше"}
            out.append(f"значение {words[tag]} {value}")
    if values:
        out.append("значения: " + ", ".join(values))
    return out


def _restriction_text(facets: list[str]) -> str | None:
    # A derived type restates its base's facets; the narrower one comes last and is kept once.
    seen = list(dict.fromkeys(facets))
    return "; ".join(seen) or None


def read_xsd(data: bytes, file_name: str, max_bytes: int) -> XsdModel:
    """The data type of an .xsd or of a zip of XSDs; InvalidInput or LimitExceeded name what is wrong."""
    files = _files(data, file_name, max_bytes)
    model = _Reader(files, file_name).run()
    if not model.namespace:
        model.notes.append("У главной схемы нет targetNamespace: вид сведений опознаётся по имени файла.")
        model.base = model.namespace = f"file:{posixpath.basename(file_name)}"
    return model
