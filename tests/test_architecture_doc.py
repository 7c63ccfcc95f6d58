"""docs/architecture.md and README «Layout» name paths that exist: a moved file cannot leave them stale."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PATH = re.compile(r"`((?:catalog|web|tests|docs|benchmarks|ontology)/[\w./-]*)`")


def _named_paths(text: str) -> set[str]:
    return {match.group(1) for match in PATH.finditer(text)}


def test_every_path_the_architecture_names_exists():
    named = _named_paths((ROOT / "docs" / "architecture.md").read_text(encoding="utf-8"))
    assert len(named) > 40  # the document names the layers, not two files
    assert sorted(p for p in named if not (ROOT / p).exists()) == []


def test_every_domain_has_its_modules_under_one_name():
    """The table's row of a domain names the same word in the model, service, API, page and CLI paths."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for domain in ("requests", "passports", "projects", "records", "lineage", "search", "imports", "users"):
        service = ROOT / "catalog" / "services" / domain
        assert service.with_suffix(".py").exists() or service.is_dir(), domain
        assert (ROOT / "catalog" / "cli" / f"{domain}.py").exists() or domain == "records", domain
        assert (ROOT / "web" / "pages" / f"{domain}.py").exists(), domain
        assert f"`catalog/services/{domain}" in text


@pytest.mark.parametrize("name", ["README.md"])
def test_the_readme_layout_names_paths_that_exist(name):
    text = (ROOT / name).read_text(encoding="utf-8")
    layout = text.split("## Layout", 1)[1].split("\n## ", 1)[0]
    tree = [line.split()[0] for line in layout.splitlines() if re.match(r"^(catalog|web|tests|docs|benchmarks|ontology)/", line)]
    assert len(tree) > 10
    assert sorted(p for p in tree if not (ROOT / p.rstrip(",")).exists()) == []


@pytest.mark.parametrize("script", sorted(p.name for p in (ROOT / "benchmarks").glob("*.py")))
def test_every_benchmark_compiles(script):
    """Benchmarks run by hand, not in the suite: a rename that breaks one must still be noticed here."""
    source = (ROOT / "benchmarks" / script).read_text(encoding="utf-8")
    compile(source, script, "exec")
