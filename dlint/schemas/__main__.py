"""``python -m dlint.schemas``: ``--path`` prints the folder of the installed schemas (for
editor settings), ``--write`` rewrites them; plain, it names the stale ones."""

from __future__ import annotations

import sys

from dlint.schemas import FOLDER, rendered


def main(argv: list[str]) -> int:
    """Print the folder, write (``--write``) or check the schema files; 1 if one is stale."""
    if "--path" in argv:
        print(FOLDER)
        return 0
    stale = []
    for name, text in rendered().items():
        path = FOLDER / name
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        if "--write" in argv:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
        else:
            stale.append(name)
    for name in stale:
        print(f"{FOLDER / name} is out of date: python -m dlint.schemas --write", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
