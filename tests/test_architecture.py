"""Layer rules, checked on the source: the headless core never imports Textual, and the simulator shares no
code with the client (so the two cannot share a mistake)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "oncall_tui"


def imported_modules(path: Path, source: str | None = None) -> set[str]:
    tree = ast.parse(source if source is not None else path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                found.add(node.module)
            elif node.level > 0:
                # `from ..ui import x` in src/oncall_tui/sync/m.py is oncall_tui.ui: resolve against the file.
                package = path.relative_to(SRC.parent).with_suffix("").parts[: -node.level]
                found.add(".".join([*package, *([node.module] if node.module else [])]))
    return found


def modules_of(*parts: str) -> list[Path]:
    paths: list[Path] = []
    for part in parts:
        target = SRC / part
        paths.extend(sorted(target.rglob("*.py")) if target.is_dir() else [target])
    return paths


def offenders(paths: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    bad = []
    for path in paths:
        for module in imported_modules(path):
            if any(module == f or module.startswith(f + ".") for f in forbidden):
                bad.append(f"{path.relative_to(SRC)} imports {module}")
    return bad


@pytest.mark.parametrize(
    "layer",
    [
        "domain",
        "jira",
        "sync",
        "config.py",
        "config_schema.py",
        "config_validate.py",
        "config_escalation.py",
        "display.py",
        "i18n",
        "private_files.py",
    ],
)
def test_headless_core_never_imports_textual(layer: str) -> None:
    assert offenders(modules_of(layer), ("textual", "oncall_tui.ui")) == []


def test_simulator_shares_no_code_with_the_client() -> None:
    forbidden = ("oncall_tui.jira", "oncall_tui.ui", "oncall_tui.sync", "oncall_tui.domain", "oncall_tui.config")
    assert offenders(modules_of("sim"), forbidden) == []


def test_client_never_imports_the_simulator() -> None:
    paths = modules_of("domain", "jira", "sync", "ui", "config.py")
    assert offenders(paths, ("oncall_tui.sim",)) == []


def test_domain_is_pure() -> None:
    assert offenders(modules_of("domain"), ("httpx", "oncall_tui.jira", "oncall_tui.sync", "asyncio")) == []


def test_the_rule_checker_sees_imports_absolute_and_relative() -> None:
    source = "import textual.app\nfrom oncall_tui.sim import x\nfrom ..ui import app\nfrom . import store\n"
    found = imported_modules(SRC / "sync" / "probe.py", source)
    assert found == {"textual.app", "oncall_tui.sim", "oncall_tui.ui", "oncall_tui.sync"}


def test_every_third_party_package_the_code_imports_is_declared() -> None:
    """A package imported only because a dependency happens to bring it (rich came with Textual) breaks the day
    that dependency stops; every one the code imports is in pyproject's dependencies."""
    import re
    import sys
    import tomllib

    pyproject = tomllib.loads((SRC.parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    declared = {
        re.split(r"[<>=!~\[ ;]", d, maxsplit=1)[0].lower().replace("-", "_")
        for d in pyproject["project"]["dependencies"]
    }
    imported = (
        {module.split(".")[0] for path in modules_of(".") for module in imported_modules(path)}
        - set(sys.stdlib_module_names)
        - {"oncall_tui"}
    )
    assert imported, "the scanner found no third-party import: it is broken"
    assert sorted(imported - declared) == []


ENGINE_MODULES = (
    "engine.py",
    "engine_events.py",
    "connection.py",
    "leads.py",
    "timers.py",
    "commands.py",
    "pipeline.py",
    "outbox.py",
    "drafts.py",
    "snapshot.py",
    "session.py",
    "events.py",
)


@pytest.mark.parametrize("name", ENGINE_MODULES)
def test_the_engine_is_headless_and_speaks_no_language(name: str) -> None:
    """Polls, counts, the clock and the connection live in sync/: no Textual, no UI, and no translated words
    (the UI turns the engine's events into text)."""
    path = SRC / "sync" / name
    assert path in modules_of("sync"), "the sync layer's rule covers the module"
    assert offenders([path], ("textual", "oncall_tui.ui", "oncall_tui.i18n", "rich")) == []


def test_the_app_schedules_no_polls_and_talks_to_no_jira_itself() -> None:
    """OncallApp draws what the engine says; it arms no timers and calls no poll, count or connect itself."""
    source = (SRC / "ui" / "app.py").read_text(encoding="utf-8")
    for needle in ("set_timer(", "set_interval(", "session.poll(", "session.connect(", "refresh_counts(", "client."):
        assert needle not in source, needle
    for path in modules_of("ui"):
        text = path.read_text(encoding="utf-8")
        for needle in ("session.poll(", "session.connect(", ".refresh_counts("):
            assert needle not in text, f"{path.relative_to(SRC)} calls {needle}"


def test_only_the_command_pipeline_writes_to_jira() -> None:
    """Every write is a command: nothing but sync/pipeline.py calls the client's write methods."""
    import re

    writes = re.compile(r"\.(assign|unassign|assign_to_me|add_comment|transition|set_priority|set_property)\(")
    found = []
    for layer in ("ui", "sync", "domain"):
        for path in modules_of(layer):
            if path.name == "pipeline.py":
                continue
            for line in path.read_text(encoding="utf-8").splitlines():
                if writes.search(line) and "client" in line:
                    found.append(f"{path.relative_to(SRC)}: {line.strip()}")
    for path in SRC.glob("cli*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if writes.search(line) and "client" in line:
                found.append(f"{path.relative_to(SRC)}: {line.strip()}")
    assert found == []
    pipeline = (SRC / "sync" / "pipeline.py").read_text(encoding="utf-8")
    assert "client.assign(" in pipeline and "client.add_comment(" in pipeline, "the scanner looks at the right words"
