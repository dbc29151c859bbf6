"""Write the SDL of the schema to gateway/schema.graphql: `python -m gateway.export_schema`.

`--check` exits 1 (and writes nothing) when the file differs from the code.
"""

from __future__ import annotations

import sys
from pathlib import Path

from gateway.schema import build_schema

SDL_PATH = Path(__file__).with_name("schema.graphql")


def sdl() -> str:
    """The schema as SDL, ending with one newline (limits do not change the types)."""
    return str(build_schema()).rstrip("\n") + "\n"


def main(argv: list[str]) -> int:
    current = sdl()
    if "--check" in argv:
        if not SDL_PATH.exists() or SDL_PATH.read_text(encoding="utf-8") != current:
            print(f"{SDL_PATH} is out of date: run python -m gateway.export_schema")
            return 1
        return 0
    SDL_PATH.write_text(current, encoding="utf-8")
    print(f"wrote {SDL_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
