"""The layout rule, in one place: which package may import which.

```
api/          HTTP routes, pages and the CLI: the interfaces   -> rag (never indexes/ingest)
rag/          service facade, answering, tasks, access, ingestion  -> everything below, never api
  rag/tasks/  explain, prepare, insurance: on top of rag/answering, which never imports
              them (but for answer.py, the router that dispatches a question to a task)
  rag/core/   types, errors, settings, text normaliser, vocabulary -> nothing of the project
ingest/ indexes/ guardrails/   the lower packages               -> rag.core only (and each other)
eval/         benchmarks: may import anything; nothing imports eval
```

Every import of every module is read with ``ast`` (function-level and ``TYPE_CHECKING``
imports too), so a lazy import cannot hide an arrow.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("api", "rag", "ingest", "indexes", "guardrails", "eval")
LOWER = ("ingest", "indexes", "guardrails")
# The answer path's router picks a task for a question ("explain my results"); it is the one
# module of rag.answering that may call rag.tasks.
ROUTER = "rag.answering.answer"


def forbidden(importer: str, imported: str) -> str | None:
    """Why ``importer`` may not import ``imported`` (dotted module names), or ``None``."""
    src, dst = importer.split(".")[0], imported.split(".")[0]
    if dst not in PACKAGES or src == "eval":
        return None
    if dst == "eval":
        return "nothing imports eval/ (benchmarks sit on top)"
    if src == "rag" and dst == "api":
        return "rag/ never imports api/: the interfaces sit above the service"
    if src == "api" and dst in ("indexes", "ingest"):
        return "api/ reaches storage and parsers only through rag/"
    if importer.startswith("rag.core") and not (dst != "rag" or imported.startswith("rag.core")):
        return "rag.core is the kernel: it imports no other part of rag/"
    if importer.startswith("rag.core") and dst in PACKAGES and dst != "rag":
        return "rag.core is the kernel: it imports no other project package"
    if (importer.startswith("rag.answering") and importer != ROUTER
            and imported.startswith("rag.tasks")):
        return "rag.answering never imports rag.tasks: tasks sit on top of answering"
    if src in LOWER:
        if dst == "rag" and not (imported == "rag" or imported.startswith("rag.core")):
            return f"{src}/ imports only rag.core, never the pipeline"
        if dst == "api":
            return f"{src}/ never imports api/"
    return None


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, module: str) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield node.lineno, target
            for alias in node.names:  # `from rag import service` imports rag.service
                yield node.lineno, f"{target}.{alias.name}"


def violations(root: Path) -> list[str]:
    found: list[str] = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            module = module_name(path, root)
            for line, target in imports_of(path, module):
                why = forbidden(module, target)
                if why:
                    found.append(f"{path.relative_to(root)}:{line}: {module} -> {target}: {why}")
    return found


def test_the_tree_keeps_the_layout() -> None:
    assert violations(ROOT) == []


@pytest.mark.parametrize(
    ("package", "source", "broken"),
    [
        ("rag", "from api.main import create_app\n", "rag/ never imports api/"),
        ("ingest", "from rag.answering.planner import Planner\n", "imports only rag.core"),
        ("guardrails", "def f():\n    from rag import service\n", "imports only rag.core"),
        ("indexes", "import rag.access.auth\n", "imports only rag.core"),
        ("api", "from indexes.history import CONVERSATION_ID\n", "api/ reaches storage"),
        ("rag/core", "from rag.answering import trends\n", "rag.core is the kernel"),
        ("rag/core", "from guardrails.triage import triage\n", "rag.core is the kernel"),
        ("rag", "from eval.gen_demo_patient import build_demo_bundle\n", "nothing imports eval"),
        ("rag/answering", "from rag.tasks.prepare import prepare\n", "never imports rag.tasks"),
    ],
)
def test_an_added_arrow_fails(tmp_path: Path, package: str, source: str, broken: str) -> None:
    for name in PACKAGES:
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text("")
    folder = tmp_path / package
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "__init__.py").write_text("")
    (folder / "bad.py").write_text(source)
    found = violations(tmp_path)
    assert len(found) >= 1 and broken in found[0], found


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("ingest.labs", "rag.core.terms"),
        ("guardrails.triage", "rag.core.text"),
        ("api.routes.answer", "rag.service"),
        ("api.cli", "rag.demo"),
        ("rag.answering.answer", "guardrails.triage"),
        ("rag.service", "indexes.vaults"),
        ("eval.perf", "api.main"),
    ],
)
def test_allowed_arrows(importer: str, imported: str) -> None:
    assert forbidden(importer, imported) is None
