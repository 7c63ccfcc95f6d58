"""The user guide (docs/guide/): one page per role, every picture it shows exists (the journeys make
them), and every page is linked from the README's Russian part, where its readers start."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "guide"
ROLES = ["reader.md", "editor.md", "office.md", "architect.md", "mart-owner.md", "admin.md"]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _russian_top() -> str:
    """The README up to its first heading with no Cyrillic letter (where the English notes begin)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    heading = next(m for m in re.finditer(r"^## (.+)$", text, re.M) if not re.search("[а-яё]", m[1], re.I))
    return text[:heading.start()]


def test_every_role_has_a_guide_in_russian_with_pictures_that_exist():
    for name in ROLES:
        text = (GUIDE / name).read_text(encoding="utf-8")
        assert text.startswith("# ") and re.search("[а-яё]{4}", text.splitlines()[0]), name
        images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
        assert images, f"{name} shows no screenshot"
        missing = [i for i in images if not (GUIDE / i).is_file()]
        assert missing == [], (name, missing)
        for image in images:
            assert image.endswith(".png") and (GUIDE / image).stat().st_size < 400_000, image


def test_every_guide_is_linked_from_the_top_of_the_readme():
    top = _russian_top()
    linked = {Path(target).name for target in LINK.findall(top) if target.startswith("docs/guide/")}
    assert set(ROLES) | {"README.md"} <= linked, sorted(linked)
    for target in LINK.findall(top):
        if target.startswith("docs/"):
            assert (ROOT / target.split("#")[0]).is_file(), target


def test_every_guide_link_leads_to_a_file():
    for page in GUIDE.glob("*.md"):
        for target in LINK.findall(page.read_text(encoding="utf-8")):
            if "://" not in target:
                assert (page.parent / target.split("#")[0]).is_file(), (page.name, target)
