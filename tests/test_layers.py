"""The shape of the imports: the areas stand above one core, and no arrow runs back up.

Read from the source with `ast`, so a new import that breaks the shape fails here, named.
"""

import ast
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"
# Areas of the product: each a blueprint of its own (the demo is the CLI's area).
AREAS = sorted(
    folder.name
    for folder in APP.iterdir()
    if (folder / "__init__.py").exists() and folder.name not in {"core", "models", "migrations"}
)


def _imports(path):
    """The `app.` modules one file imports, as dotted names."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in names if name == "app" or name.startswith("app.")}


def _modules(folder):
    for path in sorted(folder.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def _area_of(dotted):
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in AREAS else None


def test_the_core_imports_no_area():
    reaching_up = {
        str(path.relative_to(APP)): sorted(name for name in _imports(path) if _area_of(name))
        for path in _modules(APP / "core")
    }
    assert {path: names for path, names in reaching_up.items() if names} == {}


def test_the_shared_modules_beside_the_areas_import_no_area():
    """app/__init__.py assembles the areas; every other module at the top is shared."""
    reaching_up = {
        path.name: sorted(name for name in _imports(path) if _area_of(name))
        for path in sorted(APP.glob("*.py"))
        if path.name != "__init__.py"
    }
    assert {path: names for path, names in reaching_up.items() if names} == {}


def test_no_area_imports_another_areas_views():
    borrowed = []
    for area in AREAS:
        for path in _modules(APP / area):
            for name in _imports(path):
                other, parts = _area_of(name), name.split(".")
                if other and other != area and len(parts) > 2 and parts[2].endswith("views"):
                    borrowed.append(f"{path.relative_to(APP)} imports {name}")
    assert borrowed == []


def _area_graph():
    graph = {area: set() for area in AREAS}
    for area in AREAS:
        for path in _modules(APP / area):
            for name in _imports(path):
                other = _area_of(name)
                if other and other != area:
                    graph[area].add(other)
    return graph


def test_the_areas_import_each_other_without_a_circle():
    graph = _area_graph()
    on_path, done, circles = [], set(), []

    def visit(area):
        if area in on_path:
            circles.append(" -> ".join(on_path[on_path.index(area) :] + [area]))
            return
        if area in done:
            return
        on_path.append(area)
        for other in sorted(graph[area]):
            visit(other)
        on_path.pop()
        done.add(area)

    for area in AREAS:
        visit(area)
    assert circles == []
