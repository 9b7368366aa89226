"""APL data binding for the skill's own documents: ``${...}`` expressions, ``when``, ``data``
arrays, ``bind`` and custom layouts, evaluated in plain Python.

Alexa's devices do this for the real thing. The skill does it itself to show what a turn's
documents hold without a device: the simulator's HTML approximation of a screen, and the words
and silences of an audio document. It covers the subset of APL expressions the documents in
``skill/documents`` use (paths, numbers, strings, arithmetic, comparisons, ``&& || !``,
``?:`` and ``Math.*``); anything else raises ``ValueError`` so a document never silently
shows the wrong thing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

TOKEN = re.compile(r"""\s*(?:(\d+(?:\.\d+)?)|'([^']*)'|"([^"]*)"|([A-Za-z_][A-Za-z0-9_]*)|"""
                   r"""(==|!=|<=|>=|&&|\|\||[-+*/%<>!?:.,()\[\]]))""")
BINARY = {  # operator: (precedence, function)
    "||": (1, lambda a, b: a or b), "&&": (2, lambda a, b: a and b),
    "==": (3, lambda a, b: a == b), "!=": (3, lambda a, b: a != b),
    "<": (4, lambda a, b: a < b), ">": (4, lambda a, b: a > b),
    "<=": (4, lambda a, b: a <= b), ">=": (4, lambda a, b: a >= b),
    "+": (5, lambda a, b: f"{text(a)}{text(b)}" if isinstance(a, str) or isinstance(b, str)
          else a + b),
    "-": (5, lambda a, b: a - b), "*": (6, lambda a, b: a * b),
    "/": (6, lambda a, b: a / b), "%": (6, lambda a, b: a % b),
}
MATH: dict[str, Callable[..., Any]] = {"floor": math.floor, "ceil": math.ceil, "round": round,
                                       "max": max, "min": min, "abs": abs}
EMBEDDED = re.compile(r"\$\{((?:[^{}'\"]|'[^']*'|\"[^\"]*\")*)\}")


def text(value: Any) -> str:
    """A value as APL writes it into a string (whole numbers without a decimal point)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def truthy(value: Any) -> bool:
    """APL truthiness: empty strings, zero, null and false are false."""
    return value not in (None, False, 0, "", [], {})


class Parser:
    """A precedence-climbing parser that evaluates as it goes."""

    def __init__(self, source: str, context: Mapping[str, Any]) -> None:
        self.tokens: list[tuple[str, Any]] = []
        position = 0
        source = source.rstrip()
        while position < len(source):
            match = TOKEN.match(source, position)
            if not match or match.end() == position:
                raise ValueError(f"cannot read the expression {source!r}")
            number, single, double, name, op = match.groups()
            if number is not None:
                self.tokens.append(("value", float(number) if "." in number else int(number)))
            elif single is not None or double is not None:
                self.tokens.append(("value", single if single is not None else double))
            elif name is not None:
                self.tokens.append(("name", name))
            else:
                self.tokens.append(("op", op))
            position = match.end()
        self.context, self.at = context, 0

    def peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, op: str | None = None) -> tuple[str, Any]:
        token = self.peek()
        if token is None or (op is not None and token != ("op", op)):
            raise ValueError(f"expected {op or 'more'} in the expression")
        self.at += 1
        return token

    def parse(self) -> Any:
        value = self.ternary()
        if self.peek() is not None:
            raise ValueError(f"unexpected {self.peek()[1]!r} in the expression")
        return value

    def ternary(self) -> Any:
        condition = self.binary(1)
        if self.peek() == ("op", "?"):
            self.take("?")
            yes = self.ternary()
            self.take(":")
            no = self.ternary()
            return yes if truthy(condition) else no
        return condition

    def binary(self, level: int) -> Any:
        left = self.unary()
        while True:
            token = self.peek()
            if not token or token[0] != "op" or token[1] not in BINARY \
                    or BINARY[token[1]][0] < level:
                return left
            self.take()
            right = self.binary(BINARY[token[1]][0] + 1)
            left = BINARY[token[1]][1](left, right)

    def unary(self) -> Any:
        token = self.take()
        if token == ("op", "!"):
            return not truthy(self.unary())
        if token == ("op", "-"):
            return -self.unary()
        if token == ("op", "("):
            value = self.ternary()
            self.take(")")
            return self.postfix(value)
        if token[0] == "value":
            return token[1]
        if token[0] == "name":
            name = token[1]
            if name in ("true", "false", "null"):
                return {"true": True, "false": False, "null": None}[name]
            if name == "Math":
                self.take(".")
                function = MATH[self.take()[1]]
                self.take("(")
                args = [self.ternary()]
                while self.peek() == ("op", ","):
                    self.take(",")
                    args.append(self.ternary())
                self.take(")")
                return function(*args)
            if name not in self.context:
                raise ValueError(f"{name!r} is not bound here")
            return self.postfix(self.context[name])
        raise ValueError(f"unexpected {token[1]!r} in the expression")

    def postfix(self, value: Any) -> Any:
        while self.peek() in (("op", "."), ("op", "[")):
            if self.take()[1] == ".":
                key = self.take()[1]
                value = value.get(key) if isinstance(value, Mapping) else \
                    len(value) if key == "length" and isinstance(value, list | str) else None
            else:
                index = self.ternary()
                self.take("]")
                value = value[index] if isinstance(value, list) and 0 <= index < len(value) \
                    else value.get(index) if isinstance(value, Mapping) else None
        return value


def evaluate(value: Any, context: Mapping[str, Any]) -> Any:
    """A property value with its ``${...}`` expressions worked out; a string that is one
    expression keeps the expression's type."""
    if isinstance(value, list):
        return [evaluate(item, context) for item in value]
    if isinstance(value, dict):
        return {key: evaluate(item, context) for key, item in value.items()}
    if not isinstance(value, str) or "${" not in value:
        return value
    whole = EMBEDDED.fullmatch(value)
    if whole:
        return Parser(whole.group(1), context).parse()
    return EMBEDDED.sub(lambda m: text(Parser(m.group(1), context).parse()), value)


CHILDREN = ("items", "item")
DEFERRED = ("onPress", "handleTick", "onMount")  # commands: kept as written


def inflate(document: dict, datasources: dict, extra: Mapping[str, Any] | None = None) -> dict:
    """The document's component tree with data bound: ``when`` decided, ``data`` arrays
    expanded, layouts replaced by what they are made of. Each component has its children
    under ``children``."""
    template = document["mainTemplate"]
    context: dict[str, Any] = dict(extra or {})
    for name in template.get("parameters", ()):
        context[name] = datasources.get(name)
    layouts = document.get("layouts", {})
    items = template.get("items", template.get("item"))
    found = _inflate_all(items if isinstance(items, list) else [items], context, layouts)
    if not found:
        raise ValueError("the document inflates to nothing")
    return found[0]


def _inflate_all(items: list, context: Mapping[str, Any], layouts: dict) -> list[dict]:
    """Each item that applies (for a ``data`` array, once per element)."""
    out = []
    for item in items:
        component = _inflate(item, context, layouts)
        if component is not None:
            out.append(component)
    return out


def _inflate(item: dict, context: Mapping[str, Any], layouts: dict) -> dict | None:
    context = dict(context)
    if not truthy(evaluate(item.get("when", True), context)):
        return None
    for binding in item.get("bind", ()):
        context[binding["name"]] = evaluate(binding.get("value"), context)
    kind = item["type"]
    if kind in layouts:
        layout = layouts[kind]
        for parameter in layout.get("parameters", ()):
            name = parameter if isinstance(parameter, str) else parameter["name"]
            default = None if isinstance(parameter, str) else parameter.get("default")
            context[name] = evaluate(item.get(name, default), context)
        found = _inflate_all(layout.get("items", [layout.get("item")]), context, layouts)
        return found[0] if found else None
    component = {key: value if key in DEFERRED else evaluate(value, context)
                 for key, value in item.items()
                 if key not in (*CHILDREN, "data", "bind", "when", "firstItem", "lastItem")}
    children = item.get("items", item.get("item"))
    children = [] if children is None else children if isinstance(children, list) \
        else [children]
    component["children"] = []
    if "data" in item:
        for index, element in enumerate(evaluate(item["data"], context) or ()):
            scoped = {**context, "data": element, "index": index}
            for child in children:  # the first child that applies, per element
                found = _inflate(child, scoped, layouts)
                if found is not None:
                    component["children"].append(found)
                    break
    else:
        component["children"] = _inflate_all(children, context, layouts)
    component["context"] = context  # for deferred commands (a button's event)
    return component
