"""The offline pages' shared parts: files of ``viz/static``, their templates, and the shell of
a self-contained page (the stepper, the training replay, the worksheet).

A page makes no network request: its Content-Security-Policy allows its one inline script (by
hash), inline style and, where asked, ``data:`` images; nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import html
from importlib import resources
from string import Template

__all__ = ["asset", "fill", "page"]

_CSP = "default-src 'none'; {script}style-src 'unsafe-inline'; {img}base-uri 'none'; " \
       "form-action 'none'"


def asset(name: str) -> str:
    """The text of ``viz/static/{name}``; a script or style (inlined verbatim) must not end
    its element early."""
    text = resources.files("viz").joinpath("static").joinpath(name).read_text(encoding="utf-8")
    if not name.endswith(".html") and ("</script" in text.lower() or "</style" in text.lower()):
        raise RuntimeError(f"viz/static/{name} must not contain '</script' or '</style'")
    return text


def fill(name: str, **values: str) -> str:
    """The template ``viz/static/{name}`` with its ``$names`` replaced by ``values`` (each
    already escaped for where it goes); a missing value is an error, never a blank."""
    return Template(asset(name)).substitute(values)


def page(*, title: str, css: str, body: str, script: str = "", images: bool = False,
         body_class: str = "") -> str:
    """One self-contained HTML document: ``title`` (text, escaped here), ``css`` and
    ``script`` inlined, ``body`` as markup; ``images`` allows ``data:`` images."""
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    csp = _CSP.format(script=f"script-src 'sha256-{digest}'; " if script else "",
                      img="img-src data:; " if images else "")
    return fill("page.html", csp=html.escape(csp), title=html.escape(title), css=css,
                body=body, script=f"<script>{script}</script>\n" if script else "",
                body_class=body_class)
