"""Print the dependencies declared in pyproject.toml, one per line, for pip.

``python tools/deps.py`` -> runtime dependencies; ``--dev`` adds the dev extra. Keeps
pyproject.toml the single place where dependencies (and their one-line reasons) live, while
requirements.lock pins the exact versions (used as a pip constraints file).
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = list(project["dependencies"])
    if "--dev" in argv:
        deps += project["optional-dependencies"]["dev"]
    print("\n".join(deps))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
