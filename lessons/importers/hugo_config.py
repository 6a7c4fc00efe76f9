"""Hugo's site config as Hugo assembles it: a root file, then the `config/` folder on top.

Hugo reads the first of `hugo.toml|yaml|yml|json` and `config.*` beside the
site, then every file in `config/_default/` and `config/production/` (what a
plain `hugo` build, hence the published site, uses). A file there named after
a key (`params.toml`, `permalinks.yaml`) holds that key; `params.en.toml` holds
the English language's params. Keys are case-insensitive in Hugo
(`baseURL` = `baseurl`), so every key is lowercased here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lessons.importers.site_base import deep_merge, read_mapping

ROOT_NAMES = ("hugo", "config")
EXTENSIONS = ("toml", "yaml", "yml", "json")
ENVIRONMENTS = ("_default", "production")


def config_files(folder: Path) -> list[Path]:
    """The files that make up the Hugo config of `folder`, least specific first; empty when none."""
    root = next(
        (
            folder / f"{name}.{ext}"
            for name in ROOT_NAMES
            for ext in EXTENSIONS
            if (folder / f"{name}.{ext}").is_file()
        ),
        None,
    )
    files = [root] if root else []
    for environment in ENVIRONMENTS:
        directory = folder / "config" / environment
        if directory.is_dir():
            files.extend(sorted(p for p in directory.iterdir() if p.is_file() and _is_config(p)))
    return files


def load_config(folder: Path, files: list[Path]) -> dict[str, Any]:
    """Merge the files in order, each later one overriding, with every key lowercased."""
    settings: dict[str, Any] = {}
    for path in files:
        data = lowercase_keys(read_mapping(path))
        settings = deep_merge(settings, data if path.parent == folder else _placed(path, data))
    return settings


def lowercase_keys(value: Any) -> Any:
    """Hugo ignores the case of config and front matter keys; so do we, by lowercasing them."""
    if isinstance(value, dict):
        return {str(key).lower(): lowercase_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [lowercase_keys(item) for item in value]
    return value


def _is_config(path: Path) -> bool:
    return path.suffix.lstrip(".") in EXTENSIONS


def _placed(path: Path, data: dict[str, Any]) -> dict[str, Any]:
    """Where a `config/<environment>/` file's content goes: top level, under its name, or its language."""
    name = path.stem.lower()
    if name in ROOT_NAMES:
        return data
    key, _, language = name.partition(".")
    content: Any = data[key] if list(data) == [key] else data
    if not language:
        return {key: content}
    if key in ("params", "menu", "menus"):
        return {"languages": {language: {"menus" if key == "menu" else key: content}}}
    return {"languages": {language: content}}
