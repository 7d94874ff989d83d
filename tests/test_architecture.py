"""The core has no UI: checked by import-linter and by a real import in a fresh process."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import hotelops

ROOT = Path(hotelops.__file__).resolve().parent.parent
CORE = ROOT / "hotelops" / "core"


def test_importing_every_core_module_loads_no_ui_library() -> None:
    modules = sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in CORE.rglob("*.py")
    )
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "loaded = sorted(m for m in ('textual', 'typer', 'rich', 'click') if m in sys.modules)\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert len(modules) > 10
    assert result.stdout.strip() == ""


def test_import_linter_contract_holds() -> None:
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint_imports, "import-linter is a test dependency: pip install -e '.[test]'"
    result = subprocess.run([lint_imports], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_core_never_prints_or_exits() -> None:
    offenders = []
    for path in CORE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                func = node.func
                name = (
                    func.id
                    if isinstance(func, ast.Name)
                    else (
                        f"{getattr(func.value, 'id', '')}.{func.attr}"
                        if isinstance(func, ast.Attribute)
                        else ""
                    )
                )
                if name in {"print", "exit", "quit", "sys.exit", "os._exit"}:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}()")
    assert offenders == []
