"""The layout of the command line: ``catalog`` and ``python -m catalog.cli`` offer the same commands, every
group answers through ``python -m catalog.cli GROUP --help``, and one place turns a refusal of the services
into a message and an exit code."""
import ast
import inspect
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

import catalog.cli
from catalog import errors
from catalog.cli import main

CLI_DIR = Path(catalog.cli.__file__).parent
GROUPS = sorted(name for name, command in main.commands.items() if isinstance(command, click.Group))


def _visible(group: click.Group) -> list[str]:
    return sorted(name for name, command in group.commands.items() if not command.hidden)


def _help(tmp_path, *argv) -> list[str]:
    """Run a real process, as a user would, and read the command names of its «Commands:» section."""
    env = {**os.environ, "CATALOG_INSTANCE": str(tmp_path / "instance"), "CATALOG_SECRET_KEY": "test-secret",
           "CATALOG_DATABASE_URL": f"sqlite:///{tmp_path / 'help.db'}"}
    answer = subprocess.run([*argv, "--help"], capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path)
    assert answer.returncode == 0, answer.stdout + answer.stderr
    assert "\nCommands:\n" in answer.stdout, answer.stdout
    # A name stands two spaces in; the wrapped lines of its help text stand further in.
    return re.findall(r"^  (\S+)", answer.stdout.split("\nCommands:\n", 1)[1], re.M)


def _script() -> str:
    script = Path(sys.executable).with_name("catalog")
    found = str(script) if script.exists() else shutil.which("catalog")
    if found is None:
        pytest.fail("скрипт catalog не установлен: pip install -e .")
    return found


def test_the_script_and_python_m_offer_the_same_commands(tmp_path):
    as_module = _help(tmp_path, sys.executable, "-m", "catalog.cli")
    as_script = _help(tmp_path, _script())
    assert as_module == as_script == _visible(main)
    assert {"calendar", "projects", "users", "import", "search"} <= set(as_module)


@pytest.mark.parametrize("group", GROUPS)
def test_every_group_answers_through_python_m(tmp_path, group):
    assert _help(tmp_path, sys.executable, "-m", "catalog.cli", group) == _visible(main.commands[group])


def _handlers_of_catalog_errors(path: Path) -> list[int]:
    names = {name for name, value in vars(errors).items()
             if inspect.isclass(value) and issubclass(value, errors.CatalogError)}

    def named(node) -> bool:
        if isinstance(node, ast.Tuple):
            return any(named(item) for item in node.elts)
        return (isinstance(node, ast.Name) and node.id in names) or (
            isinstance(node, ast.Attribute) and node.attr in names)

    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.ExceptHandler) and node.type is not None and named(node.type)]


def test_one_place_turns_a_catalog_error_into_a_message():
    found = {path.relative_to(CLI_DIR).as_posix(): lines
             for path in sorted(CLI_DIR.rglob("*.py")) if (lines := _handlers_of_catalog_errors(path))}
    assert list(found) == ["__init__.py"] and len(found["__init__.py"]) == 1, found
    source = inspect.getsource(catalog.cli.CatalogGroup)
    assert "except CatalogError" in source


def test_a_command_without_its_own_error_block_answers_in_russian(runner):
    # «tokens list --user» never caught the refusal: it ended in a traceback before the one place existed.
    answer = runner.invoke("tokens", "list", "--user", "ghost")
    assert answer.exit_code == 1
    assert "Error: Пользователь «ghost» не найден." in answer.output
