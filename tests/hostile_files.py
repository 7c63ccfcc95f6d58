"""Small generators of hostile import files: zip bombs and sheets of millions of empty rows,
written as raw deflate streams so a file that inflates to a gigabyte is built in well under a second."""
from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path


class Repeated:
    """``chunk`` repeated ``times`` times, compressed once: after a full flush deflate keeps no
    history, so every copy of the chunk compresses to the same bytes."""

    def __init__(self, chunk: bytes, times: int):
        self.chunk, self.times = chunk, times


def _deflate(parts: Iterable[bytes | Repeated]) -> tuple[bytes, int, int]:
    out, crc, size = [], 0, 0
    for part in parts:
        if isinstance(part, Repeated):
            comp = zlib.compressobj(9, zlib.DEFLATED, -15)
            block = comp.compress(part.chunk) + comp.flush(zlib.Z_FULL_FLUSH)
            out.append(block * part.times)
            for _ in range(part.times):
                crc = zlib.crc32(part.chunk, crc)
            size += len(part.chunk) * part.times
        else:
            comp = zlib.compressobj(9, zlib.DEFLATED, -15)
            out.append(comp.compress(part) + comp.flush(zlib.Z_FULL_FLUSH))
            crc = zlib.crc32(part, crc)
            size += len(part)
    out.append(zlib.compressobj(9, zlib.DEFLATED, -15).flush())  # the final (empty) block
    return b"".join(out), crc, size


def write_zip(path: Path, members: dict[str, list[bytes | Repeated]]) -> Path:
    """A zip written by hand (sizes under 4 GiB, no zip64), members deflated as given."""
    local, central, offset = [], [], 0
    for name, parts in members.items():
        data, crc, size = _deflate(parts)
        encoded = name.encode()
        header = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(data), size, len(encoded), 0)
        local.append(header + encoded + data)
        central.append(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(data), size,
                                   len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
        offset += len(local[-1])
    directory = b"".join(central)
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(central), len(central), len(directory), offset, 0)
    Path(path).write_bytes(b"".join(local) + directory + end)
    return Path(path)


def members_of(path: Path) -> dict[str, list[bytes | Repeated]]:
    with zipfile.ZipFile(path) as archive:
        return {name: [archive.read(name)] for name in archive.namelist()}


def shared_strings_bomb(source: Path, target: Path, inflated: int = 1 << 30) -> Path:
    """``source`` (a real workbook) with a sharedStrings part that inflates to ``inflated`` bytes."""
    members = members_of(source)
    types = members["[Content_Types].xml"][0].decode()
    if "sharedStrings" not in types:  # openpyxl reads the part the content types name
        types = types.replace("</Types>", '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                              'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
        members["[Content_Types].xml"] = [types.encode()]
    chunk = b"a" * (1 << 20)
    members["xl/sharedStrings.xml"] = [
        b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        b' count="1" uniqueCount="1"><si><t>', Repeated(chunk, inflated // len(chunk)), b"</t></si></sst>"]
    return write_zip(target, members)


def sheet_with_rows(source: Path, target: Path, *, empty_rows: int = 0, gap_to: int | None = None,
                    data_after: bool = False, dimension: str | None = None, sheet: str = "xl/worksheets/sheet1.xml") -> Path:
    """``source`` with its sheet's XML rewritten: ``empty_rows`` empty ``<row/>`` elements after the
    data, then (``gap_to``) a row numbered ``gap_to`` with one cell, or (``data_after``) one more data
    row right after the empty ones; the ``<dimension>`` removed, or set to ``dimension``."""
    members = members_of(source)
    xml = members[sheet][0].decode()
    xml = re.sub(r"<dimension [^>]*/>", f'<dimension ref="{dimension}"/>' if dimension else "", xml)
    head, tail = xml.split("</sheetData>")
    parts: list[bytes | Repeated] = [head.encode()]
    if empty_rows:
        parts.append(Repeated(b"<row/>" * 1000, empty_rows // 1000))
    cell = '<c t="inlineStr"><is><t>после пустых строк</t></is></c><c t="inlineStr"><is><t>x</t></is></c>'
    if gap_to:
        parts.append(f'<row r="{gap_to}">{cell}</row>'.encode())
    elif data_after:
        parts.append(f"<row>{cell}</row>".encode())
    parts.append(("</sheetData>" + tail).encode())
    members[sheet] = parts
    return write_zip(target, members)

