"""Locating and explaining problems in pack YAML: the slow path of ``skill.content``.

Imported only when a file has problems. jsonschema lists every schema error;
PyYAML's node tree gives each its line and column.
"""

from __future__ import annotations

from functools import cache

import jsonschema
import yaml

from skill.content import Problem, format_path, schema

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def validator() -> jsonschema.Draft202012Validator:
    """The validator that explains every error."""
    return jsonschema.Draft202012Validator(schema())


def _locate(node: yaml.Node | None, parts) -> yaml.Node | None:
    """The YAML node at a path; the deepest node found when the path runs out."""
    for part in parts:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == part), None)
            if match is None:
                return node
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) \
                and part < len(node.value):
            node = node.value[part]
        else:
            return node
    return node


def _key_node(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        return next((k for k, _ in node.value if k.value == key), None)
    return None


def _reason(error: jsonschema.ValidationError) -> tuple[str, list]:
    """A readable reason and the path it is about, from a schema error."""
    path = list(error.absolute_path)
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        allowed = ", ".join(error.schema.get("properties", {}))
        return f"unknown key (allowed: {allowed})", [*path, extra[0]] if extra else path
    if error.validator == "required":
        missing = error.message.split("'")[1]
        return f"missing required key '{missing}'", path
    expected = error.schema.get("x-expected")
    if expected is None and error.context:
        expected = next((e.schema.get("x-expected") for e in error.context
                         if e.schema.get("x-expected")), None)
    if expected:
        return f"expected {expected}, got {error.instance!r}", path
    return error.message, path


def located(text: str, name: str, pack: str,
            found: list[tuple[list, str]]) -> list[Problem]:
    """Problems given as ``(path, reason)``, each located in the document ``text``."""
    root = yaml.compose(text, Loader=Loader)
    return [_problem(root, name, pack, parts, reason) for parts, reason in found]


def schema_problems(text: str, data, name: str, pack: str) -> list[Problem]:
    """Every schema error in ``data``, each located in ``text``."""
    root = yaml.compose(text, Loader=Loader)
    errors = sorted(validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    problems = []
    for error in errors:
        reason, parts = _reason(error)
        problems.append(_problem(root, name, pack, parts, reason,
                                 key=error.validator == "additionalProperties"))
    return problems


def _problem(root: yaml.Node | None, name: str, pack: str, parts: list, reason: str,
             key: bool = False) -> Problem:
    """A problem at ``parts`` of the document (at the key itself when ``key``)."""
    node = _locate(root, parts)
    if key and parts:
        node = _key_node(_locate(root, parts[:-1]), parts[-1]) or node
    mark = node.start_mark if node is not None else None
    return Problem(name, mark.line + 1 if mark else 1, mark.column + 1 if mark else 1,
                   format_path(parts), reason, pack)


def syntax_problem(text: str, name: str, pack: str, error: Exception) -> Problem:
    """A YAML syntax error, located by PyYAML (whose messages are clearer)."""
    try:
        yaml.compose(text, Loader=Loader)
    except yaml.YAMLError as parsed:
        mark = getattr(parsed, "problem_mark", None)
        if mark is not None:
            reason = getattr(parsed, "problem", None) or str(parsed)
            return Problem(name, mark.line + 1, mark.column + 1, "", f"invalid YAML: {reason}",
                           pack)
    first_line = str(error).splitlines()[0]
    return Problem(name, 0, 0, "", f"invalid YAML: {first_line}", pack)
