"""The stubs say what the native modules have: the same members per class (so a field added
to a class table cannot silently skip the stub), the same enum members, TypedDict keys equal
to what the getters return, and the 9.1 stub generated from the 3.0.0 one."""

from __future__ import annotations

import ast
import enum
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import a3s_session_v9._native as native9
import pytest

import a3s_session._native as native3
from conftest import CORPUS_DIR, REPO_ROOT

STUBS = [
    (REPO_ROOT / "python" / "a3s_session" / "_native.pyi", native3),
    (REPO_ROOT / "src" / "v9" / "python" / "a3s_session_v9" / "_native.pyi", native9),
]


def _classes(stub: Path) -> dict[str, ast.ClassDef]:
    tree = ast.parse(stub.read_text(encoding="utf-8"))
    return {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}


def _stub_members(cls: ast.ClassDef) -> set[str]:
    names: set[str] = set()
    for node in cls.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return {n for n in names if not n.startswith("_")}


def _runtime_members(obj: type) -> set[str]:
    return {n for n in vars(obj) if not n.startswith("_")}


@pytest.mark.parametrize(("stub", "module"), STUBS, ids=["v3", "v9"])
def test_class_members_match_the_runtime(stub: Path, module: ModuleType) -> None:
    checked = 0
    for name, cls in _classes(stub).items():
        runtime = getattr(module, name, None)
        if not isinstance(runtime, type) or name == "SessionFormatError":
            continue
        if issubclass(runtime, enum.Enum):
            assert _stub_members(cls) == set(runtime.__members__), name
        else:
            assert _stub_members(cls) == _runtime_members(runtime), name
        checked += 1
    assert checked >= 20


@pytest.mark.parametrize(("stub", "module"), STUBS, ids=["v3", "v9"])
def test_every_runtime_class_has_a_stub(stub: Path, module: ModuleType) -> None:
    stubbed = set(_classes(stub))
    runtime = {n for n, v in vars(module).items() if isinstance(v, type) and not n.startswith("_")}
    assert runtime - stubbed == set()


def _typed_dict_keys(stub: Path, name: str) -> set[str]:
    cls = _classes(stub)[name]
    return {
        node.target.id
        for node in cls.body
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
    }


@pytest.mark.parametrize(("stub", "module"), STUBS, ids=["v3", "v9"])
def test_policy_typed_dicts_have_the_getters_keys(stub: Path, module: ModuleType) -> None:
    doc: dict[str, Any] = json.loads(
        (CORPUS_DIR / "SessionData" / "full_every_field.json").read_text()
    )
    config = module.SessionData.from_json(json.dumps(doc)).config
    for field, typed in (
        ("confirmation_policy", "ConfirmationPolicyDict"),
        ("permission_policy", "PermissionPolicyDict"),
        ("queue_config", "QueueConfigDict"),
        ("security_config", "SecurityConfigDict"),
    ):
        value = getattr(config, field)
        assert isinstance(value, dict), field
        assert set(value) == _typed_dict_keys(stub, typed), field


def test_v9_stub_is_generated_from_the_v3_stub() -> None:
    script = REPO_ROOT / "scripts" / "gen_v9_stub.py"
    proc = subprocess.run(
        [sys.executable, str(script), "--check"], check=False, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr


def test_verifytypes_says_the_public_api_is_completely_typed(tmp_path: Path) -> None:
    """``pyright --verifytypes a3s_session``: every public symbol has a known type."""
    pytest.importorskip("pyright")
    proc = subprocess.run(
        [sys.executable, "-m", "pyright", "--verifytypes", "a3s_session", "--outputjson"],
        check=False,
        capture_output=True,
        text=True,
        cwd=tmp_path,  # outside the clone: the installed package, as a user's checker sees it
        timeout=600,
    )
    report = json.loads(proc.stdout)
    completeness = report["typeCompleteness"]
    print(f"\nverifytypes a3s_session: {completeness['completenessScore']:.1%}")
    untyped = [
        s["name"]
        for s in completeness["symbols"]
        if not s["isTypeKnown"] or s.get("isTypeAmbiguous")
    ]
    assert untyped == []
    assert completeness["completenessScore"] == 1.0
