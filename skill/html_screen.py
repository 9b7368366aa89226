"""An HTML approximation of a card: what a turn's APL document would show, for a browser.

Not Amazon's renderer (that one cannot be installed offline): it lays out the components
the skill's own documents use (Container, Text, Frame, TouchWrapper) with CSS flexbox at the
viewport's size in dp, runs the step card's countdown from the page's clock the way the
document's tick handler does on a device, and turns each button into an HTML button that
dispatches an ``apl-send-event`` DOM event with the ``SendEvent`` arguments. The simulator
writes these pages (``hamstring simulate --screens DIR``); anything else that shows a turn's
card can call ``render_html`` with the directive's document and data sources.
"""

from __future__ import annotations

import html
import json
from typing import Any

from skill.inflate import evaluate, inflate
from skill.presentation import PROFILES, VIEWPORTS, profile

ALIGN = {"start": "flex-start", "end": "flex-end", "center": "center", "stretch": "stretch",
         "baseline": "baseline", "spaceBetween": "space-between",
         "spaceAround": "space-around", "spaceEvenly": "space-evenly"}
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ margin: 0; padding: 24px; background: #555; font-family: "Amazon Ember", "Bookerly",
       "Helvetica Neue", Arial, sans-serif; color: #fff; }}
.caption {{ font: 14px/1.4 sans-serif; color: #eee; margin-bottom: 12px; }}
.viewport {{ position: relative; overflow: hidden; background: {background}; }}
.viewport.round {{ border-radius: 50%; }}
.apl {{ box-sizing: border-box; display: flex; flex-direction: column; min-width: 0; }}
.apl-text {{ display: -webkit-box; -webkit-box-orient: vertical; overflow: hidden;
            line-height: 1.25; white-space: pre-wrap; }}
button.apl-touch {{ all: unset; cursor: pointer; display: flex; flex-direction: column; }}
button.apl-touch:focus-visible {{ outline: 3px solid #FFD43B; }}
</style></head>
<body>
<div class="caption">An approximation of the {kind} card on a {profile} screen
({width} x {height} dp), drawn by Hamstring Coach's own HTML renderer, not Amazon's.</div>
<div class="viewport{round}" style="width:{width}px;height:{height}px">{body}</div>
<script>
document.querySelectorAll("button.apl-touch").forEach(function (button) {{
  button.addEventListener("click", function () {{
    var detail = {{arguments: JSON.parse(button.dataset.arguments)}};
    document.dispatchEvent(new CustomEvent("apl-send-event", {{detail: detail}}));
  }});
}});
var clock = document.querySelector("[data-clock]");
if (clock) {{
  var c = JSON.parse(clock.dataset.clock), shown = Date.now();
  var tick = function () {{
    var running = Math.max(0, Date.now() - shown - c.startMs) / 1000;
    var secs = Math.ceil(Math.max(c.end, c.left - running));
    clock.textContent = Math.floor(secs / 60) + ":" + (secs % 60 < 10 ? "0" : "") + secs % 60;
    var bar = document.getElementById("apl-progress");
    if (bar) bar.style.width = (100 * (c.total - secs) / c.total) + "%";
    var label = document.getElementById("apl-clockLabel");
    if (label) label.textContent = secs <= c.end ? c.after : (running > 0 ? c.during : c.ready);
  }};
  tick();
  setInterval(tick, 250);
}}
</script>
</body></html>
"""


def viewport_size(viewport: dict) -> tuple[int, int]:
    """A viewport's width and height in dp (1 dp is 1 CSS pixel here)."""
    scale = 160 / (viewport.get("dpi") or 160)
    return round(viewport["pixelWidth"] * scale), round(viewport["pixelHeight"] * scale)


def render_html(document: dict, datasources: dict, viewport: dict | None = None) -> str:
    """A whole HTML page approximating ``document`` with ``datasources`` on ``viewport``
    (a ``context.Viewport``; by default the profile the data was laid out for)."""
    payload = datasources.get("payload") or {}
    kind = profile(viewport) if viewport else next(
        (name for name, layout in PROFILES.items() if layout == payload.get("layout")),
        "hub-medium")
    viewport = viewport or VIEWPORTS[kind]
    width, height = viewport_size(viewport)
    tree = inflate(document, datasources, {"elapsedTime": 0})
    body = _component(tree, (width, height), "column")
    title = payload.get("title") or "Hamstring Coach"
    return PAGE.format(title=html.escape(str(title)),
                       kind=html.escape(str(payload.get("screen", "a"))),
                       profile=kind, width=width, height=height, body=body,
                       round=" round" if str(viewport.get("shape")).upper() == "ROUND" else "",
                       background=html.escape(document.get("background", "#000000")))


def _size(value: Any, screen: tuple[int, int]) -> str | None:
    """An APL dimension as CSS: numbers and dp are pixels, vw and vh are the viewport's."""
    if value is None or value == "auto":
        return None
    text = str(value).strip()
    if text.endswith("vw"):
        return f"{float(text[:-2]) * screen[0] / 100:g}px"
    if text.endswith("vh"):
        return f"{float(text[:-2]) * screen[1] / 100:g}px"
    if text.endswith("%"):
        return text
    return f"{float(text.removesuffix('dp').removesuffix('px')):g}px"


def _style(component: dict, screen: tuple[int, int], parent: str) -> list[str]:
    """CSS for the properties every component has: size, padding, spacing, grow."""
    css = []
    for prop, name in (("width", "width"), ("height", "height"), ("minWidth", "min-width"),
                       ("maxWidth", "max-width"), ("paddingLeft", "padding-left"),
                       ("paddingRight", "padding-right"), ("paddingTop", "padding-top"),
                       ("paddingBottom", "padding-bottom")):
        size = _size(component.get(prop), screen)
        if size:
            css.append(f"{name}:{size}")
    spacing = _size(component.get("spacing"), screen)
    if spacing:
        css.append(f"margin-{'left' if parent == 'row' else 'top'}:{spacing}")
    for prop, name in (("grow", "flex-grow"), ("shrink", "flex-shrink")):
        if prop in component:
            css.append(f"{name}:{component[prop]}")
    return css


def _component(component: dict, screen: tuple[int, int], parent: str) -> str:
    kind = component["type"]
    css = _style(component, screen, parent)
    element_id = component.get("id")
    attrs = f' id="apl-{html.escape(element_id)}"' if element_id else ""
    children = component.get("children", [])
    if kind == "Text":
        css += [f"font-size:{_size(component.get('fontSize', 40), screen)}",
                f"color:{component.get('color', '#FAFAFA')}",
                f"font-weight:{700 if component.get('fontWeight') == 'bold' else 400}",
                f"text-align:{component.get('textAlign', 'auto').replace('auto', 'start')}"]
        if component.get("maxLines"):
            css.append(f"-webkit-line-clamp:{component['maxLines']}")
        if element_id == "countdown":  # the card's clock: the page runs it like a device
            attrs += f" data-clock='{html.escape(json.dumps(_clock(component)))}'"
        text = html.escape(str(component.get("text", "")))
        return f'<div class="apl apl-text"{attrs} style="{";".join(css)}">{text}</div>'
    inner = "".join(_component(child, screen, _direction(component)) for child in children)
    if kind == "Frame":
        css += [f"background:{component.get('backgroundColor', 'transparent')}",
                f"border:{_size(component.get('borderWidth', 0), screen)} solid "
                f"{component.get('borderColor', 'transparent')}",
                f"border-radius:{_size(component.get('borderRadius', 0), screen)}"]
        return f'<div class="apl"{attrs} style="{";".join(css)}">{inner}</div>'
    if kind == "TouchWrapper":
        arguments = []
        for command in component.get("onPress", ()):
            if command.get("type") == "SendEvent":
                arguments = evaluate(command.get("arguments", []), component["context"])
        label = html.escape(str(component.get("accessibilityLabel", "")))
        return (f'<button type="button" class="apl apl-touch" aria-label="{label}"'
                f" data-arguments='{html.escape(json.dumps(arguments))}'"
                f' style="{";".join(css)}">{inner}</button>')
    direction = _direction(component)
    css += [f"flex-direction:{direction}",
            f"align-items:{ALIGN.get(component.get('alignItems', 'stretch'), 'stretch')}",
            f"justify-content:{ALIGN.get(component.get('justifyContent', 'start'), 'flex-start')}"]
    if component.get("wrap") in ("wrap", "wrapReverse"):
        css.append("flex-wrap:wrap")
    return f'<div class="apl"{attrs} style="{";".join(css)}">{inner}</div>'


def _direction(component: dict) -> str:
    return "row" if component.get("direction") in ("row", "rowReverse") else "column"


def _clock(component: dict) -> dict:
    """The countdown's figures, from the data the document's clock is bound to."""
    payload = component["context"].get("payload") or {}
    return (payload.get("step") or {}).get("clock") or {}
