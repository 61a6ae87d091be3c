"""Run every demo in order: `python -m demos` (what `make demo` does); `--quick` for a smoke run."""

from __future__ import annotations

import importlib
import sys
import time

from demos import DEMOS


def main(argv: list[str] | None = None) -> None:
    """Run each module of DEMOS with the same arguments, announcing each one."""
    args = sys.argv[1:] if argv is None else argv
    for name in DEMOS:
        print(f"\n=== demos.{name} " + "=" * max(0, 60 - len(name)), flush=True)
        start = time.perf_counter()
        importlib.import_module(f"demos.{name}").main(args)
        print(f"--- demos.{name} took {time.perf_counter() - start:.2f} s", flush=True)


if __name__ == "__main__":
    main()
