"""Safe prompt templates: people who don't read code edit them, so a placeholder may only name
a plain state key. `str.format` would walk attributes (`{state.__class__}`), so a template is
parsed with `string.Formatter` first, and filled only once it names nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from string import Formatter

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class TemplateError(ValueError): ...


def placeholders(template: str) -> list[str]:
    """The placeholders' names, in order, once each; `TemplateError` for a stray brace or
    anything but a plain name."""
    names: list[str] = []
    try:
        parsed = list(Formatter().parse(template))
    except ValueError as exc:
        raise TemplateError(f"Stray brace: {exc}. Write {{{{ or }}}} for a literal brace.") from exc
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if field == "":
            raise TemplateError("Empty placeholder {}: name the value, e.g. {issue_type}.")
        if not _NAME.match(field):
            raise TemplateError(
                f"Placeholder {{{field}}} is not allowed: use a plain name such as "
                "{warranty_status}, without dots, brackets or spaces."
            )
        if spec or conversion:
            raise TemplateError(
                f"Placeholder {{{field}}} has a format option; write just {{{field}}}."
            )
        if field not in names:
            names.append(field)
    return names


def validate_template(template: str, allowed: Iterable[str]) -> list[str]:
    allowed = set(allowed)
    names = placeholders(template)
    unknown = [n for n in names if n not in allowed]
    if unknown:
        known = ", ".join("{" + a + "}" for a in sorted(allowed)) or "none"
        raise TemplateError(
            f"Unknown placeholder {{{unknown[0]}}}. Placeholders you can use here: {known}."
        )
    return names


def fill_prompt(template: str, values: Mapping[str, object], missing: str = "unknown") -> str:
    filled = {name: values.get(name) for name in placeholders(template)}
    # Only plain names are left, so `format_map` has no attribute or index to walk.
    return template.format_map({k: missing if v is None else str(v) for k, v in filled.items()})
