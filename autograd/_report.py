"""What gradcheck gives: one `GradcheckEntry` per derivative, gathered in a `GradcheckReport`
that is truthy iff all agree and prints as a table (text, or HTML in Jupyter)."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["DOMAIN", "KINK", "MISMATCH", "NONFINITE", "OK", "UNRESOLVED", "GradcheckEntry",
           "GradcheckReport"]

OK, MISMATCH, KINK, DOMAIN, NONFINITE = "ok", "mismatch", "kink", "domain", "nonfinite"
UNRESOLVED = "unresolved"  # no step resolves the derivative: neither agreement nor mismatch


@dataclass(frozen=True)
class GradcheckEntry:
    """One checked derivative: d f / d wrt[0] (order 1) or d2 f / d wrt[0] d wrt[1] (order 2)."""

    wrt: tuple[str, ...]  # the input names, the one varied by the finite differences last
    point: float  # that input's value
    analytic: float | None  # from the engine (None when it raised)
    numeric: float | None  # from finite differences (None when every probe left the domain)
    numeric_error: float | None  # the estimated error of `numeric`
    status: str  # ok / mismatch / kink / domain / nonfinite / unresolved
    note: str = ""  # why, for anything but ok

    @property
    def derivative(self) -> str:
        """The derivative's name, e.g. ``df/dx`` or ``d2f/dx dy``."""
        if len(self.wrt) == 1:
            return f"df/d{self.wrt[0]}"
        return f"d{len(self.wrt)}f/" + " ".join(f"d{name}" for name in self.wrt)

    @property
    def abs_error(self) -> float | None:
        """|analytic - numeric|, or None when either is missing."""
        if self.analytic is None or self.numeric is None:
            return None
        return abs(self.analytic - self.numeric)

    @property
    def rel_error(self) -> float | None:
        """abs_error / |numeric| (inf when numeric is 0 and analytic is not)."""
        err = self.abs_error
        if err is None or self.numeric is None:
            return None
        if self.numeric == 0.0:
            return 0.0 if err == 0.0 else math.inf
        return err / abs(self.numeric)

    @property
    def ok(self) -> bool:
        """True when this derivative agrees, or the point is a kink (not a failure)."""
        return self.status in (OK, KINK)


_HEADER = ("derivative", "point", "analytic", "numeric", "+-numeric", "abs error", "rel error",
           "status")


@dataclass(frozen=True, repr=False)
class GradcheckReport:
    """The outcome of `gradcheck`: truthy iff every derivative agrees; prints as a table."""

    entries: tuple[GradcheckEntry, ...]
    inputs: tuple[float, ...]
    names: tuple[str, ...]
    atol: float
    rtol: float
    order: int

    def __bool__(self) -> bool:
        return all(e.ok for e in self.entries)

    @property
    def failures(self) -> list[GradcheckEntry]:
        """The entries that do not agree (mismatch, domain, nonfinite or unresolved)."""
        return [e for e in self.entries if not e.ok]

    def summary(self) -> str:
        """The first line: where, how many disagree, the tolerances."""
        bad = len(self.failures)
        at = ", ".join(f"{n}={x!r}" for n, x in zip(self.names, self.inputs, strict=True))
        verdict = (f"{bad} of {len(self.entries)} derivatives disagree" if bad
                   else f"all {len(self.entries)} derivatives agree")
        return f"gradcheck at {at}: {verdict} (rtol={self.rtol!r}, atol={self.atol!r})"

    def rows(self) -> list[tuple[str, ...]]:
        """The table's cells, one tuple per entry, as `_HEADER` names the columns."""
        return [(e.derivative, _fmt(e.point), _fmt(e.analytic), _fmt(e.numeric),
                 _fmt(e.numeric_error), _fmt(e.abs_error), _fmt(e.rel_error), e.status)
                for e in self.entries]

    def __str__(self) -> str:
        rows = [_HEADER, *self.rows()]
        widths = [max(len(row[c]) for row in rows) for c in range(len(_HEADER))]
        lines = [self.summary()]
        for row in rows:
            cells = [cell.ljust(w) if c in (0, 7) else cell.rjust(w)
                     for c, (cell, w) in enumerate(zip(row, widths, strict=True))]
            lines.append("  ".join(cells).rstrip())
        lines += [f"  {e.derivative}: {e.note}" for e in self.entries if e.note]
        return "\n".join(lines)

    __repr__ = __str__  # the REPL shows the table

    def _repr_html_(self) -> str:
        """The table as HTML, for Jupyter (every cell escaped)."""
        def cells(tag: str, row: Sequence[str]) -> str:
            return "".join(f"<{tag}>{html.escape(c)}</{tag}>" for c in row)
        body = "".join(f'<tr class="{html.escape(e.status)}">{cells("td", row)}</tr>'
                       for e, row in zip(self.entries, self.rows(), strict=True))
        notes = "".join(f"<li>{html.escape(e.derivative)}: {html.escape(e.note)}</li>"
                        for e in self.entries if e.note)
        return (f"<div><p>{html.escape(self.summary())}</p><table><thead><tr>"
                f"{cells('th', _HEADER)}</tr></thead><tbody>{body}</tbody></table>"
                + (f"<ul>{notes}</ul>" if notes else "") + "</div>")


def _fmt(x: float | None) -> str:
    return "-" if x is None else repr(x)
