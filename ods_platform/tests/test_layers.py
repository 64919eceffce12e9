"""The apps depend on each other in one direction: actors knows nothing of the apps built on
it; scenes nothing of SARA, the follow-up or reports; SARA nothing of the follow-up or
reports; the follow-up nothing of reports. What spans them (navigation,
reference and demo data) lives in ods_platform."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Each app, and the apps above it that it must not import.
LAYERS = {
    "actors": {"scenes", "sara", "followup", "situation_reports", "ods_platform.views"},
    "scenes": {"sara", "followup", "situation_reports"},
    "sara": {"followup", "situation_reports"},
    # The follow-up reads scenes and SARA work; the evaluation report (situation_reports)
    # is built from the follow-up's figures, so the report pipeline stays on top.
    "followup": {"situation_reports"},
}


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("app", sorted(LAYERS))
def test_an_app_does_not_import_the_apps_built_on_it(app):
    offending = []
    for path in sorted((ROOT / app).rglob("*.py")):
        if "tests" in path.parts:
            continue
        for module in imported_modules(path):
            if any(module == above or module.startswith(above + ".") for above in LAYERS[app]):
                offending.append(f"{path.relative_to(ROOT)} imports {module}")
    assert offending == []
