"""A fresh machine: what the README's first command installs is all hotelops needs.

``pip install -e .`` installs the dependencies of ``pyproject.toml`` and nothing of the test
extra. A module that only the test extra brings in (``click`` once came through import-linter)
passes every test yet crashes the demo for a new user. These tests see that gap: every import
of ``hotelops/`` is declared, and the demo and every command's help run in a process where the
packages outside the dependency closure cannot be imported. CI also runs the README's first
command itself, in a fresh virtual environment (``.ci/run``, through ``.ci/readme.py``).
"""

from __future__ import annotations

import ast
import importlib.util
import os
import subprocess
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, distribution, packages_distributions
from pathlib import Path

from packaging.requirements import Requirement

import hotelops

ROOT = Path(hotelops.__file__).resolve().parent.parent


def _name(dist: str) -> str:
    return dist.lower().replace("_", "-").replace(".", "-")


def declared() -> list[Requirement]:
    """The runtime dependencies of ``pyproject.toml`` (no extras)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(r) for r in project["dependencies"]]


def dependency_closure() -> set[str]:
    """Every distribution ``pip install -e .`` installs: the declared ones and theirs."""
    seen: set[str] = set()
    todo = [(r.name, frozenset(r.extras)) for r in declared()]
    while todo:
        name, extras = todo.pop()
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            continue  # an optional dependency for another platform
        key = _name(name)
        if key in seen and not extras:
            continue
        seen.add(key)
        for text in dist.requires or []:
            req = Requirement(text)
            wanted = any(
                req.marker is None or req.marker.evaluate({"extra": extra})
                for extra in ("", *extras)
            )
            if wanted:
                todo.append((req.name, frozenset(req.extras)))
    return seen


def imported_top_level(package: Path) -> dict[str, str]:
    """Each third-party top-level module ``package`` imports, with one place that does."""
    found: dict[str, str] = {}
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top != "hotelops":
                    found.setdefault(top, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_every_module_hotelops_imports_is_installed_by_its_own_dependencies() -> None:
    closure = dependency_closure()
    owners = packages_distributions()
    missing = {
        module: where
        for module, where in imported_top_level(ROOT / "hotelops").items()
        if not {_name(d) for d in owners.get(module, [module])} & closure
    }
    assert "typer" in closure and "textual" in closure
    assert missing == {}, f"imported but not installed by `pip install -e .`: {missing}"


def blocked_modules() -> list[str]:
    """Top-level modules of this environment that ``pip install -e .`` would not install."""
    closure = dependency_closure()
    return sorted(
        module
        for module, dists in packages_distributions().items()
        if not {_name(d) for d in dists} & closure
        and module not in sys.stdlib_module_names
        and importlib.util.find_spec(module) is not None
    )


#: Runs Python with every module outside the dependency closure unimportable.
WITHOUT_EXTRAS = """
import sys
BLOCKED = set({blocked!r})

class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}} (not in pip install -e .)")
        return None

sys.meta_path.insert(0, Blocker())
{code}
"""


def run_without_extras(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    env.pop("HOTELOPS_DATABASE_URL", None)
    script = WITHOUT_EXTRAS.format(blocked=blocked_modules(), code=code)
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        stdin=subprocess.DEVNULL,
    )


def test_the_test_extra_brings_modules_the_demo_must_live_without() -> None:
    blocked = blocked_modules()
    assert "pytest" in blocked and "pymap" in blocked and "hypothesis" in blocked


def test_demo_and_dashboard_run_without_the_test_extra(tmp_path: Path) -> None:
    code = (
        "import hotelops.tui.app\n"  # the dashboard the demo opens on a terminal
        "from hotelops.cli.app import main\n"
        "sys.argv = ['hotelops', 'demo']\n"
        "main()\n"
    )
    result = run_without_extras(code, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Kivima Hotel (KIV)" in result.stdout
    assert (tmp_path / "hotelops-demo.db").is_file()


def test_every_commands_help_runs_without_the_test_extra(tmp_path: Path) -> None:
    code = (
        "import typer.main\n"
        "from hotelops.cli.app import app, main\n"
        "root = typer.main.get_command(app)\n"
        "paths = [[]]\n"
        "for name, cmd in root.commands.items():\n"
        "    paths.append([name])\n"
        "    for sub in getattr(cmd, 'commands', {}):\n"
        "        paths.append([name, sub])\n"
        "for p in paths:\n"
        "    sys.argv = ['hotelops', *p, '--help']\n"
        "    try:\n"
        "        main()\n"
        "    except SystemExit as exit:\n"
        "        assert exit.code in (0, None), (p, exit.code)\n"
        "print('helped', len(paths))\n"
    )
    result = run_without_extras(code, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "helped" in result.stdout
    assert int(result.stdout.rsplit("helped", 1)[1]) > 30
