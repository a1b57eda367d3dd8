"""Parsing ``kbot org import FILE.csv`` (columns ``type,code,name,parent_code``)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from storage.errors import Invalid
from storage.orgs import OrgSpec, validate_spec

COLUMNS = ["type", "code", "name", "parent_code"]


def read_org_csv(path: Path) -> list[tuple[int, OrgSpec]]:
    """Every row as (line number, spec); raises ``Invalid`` naming the first bad line, so a bad
    file imports nothing."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise Invalid(f"{path} does not exist") from None
    except UnicodeDecodeError:
        raise Invalid(f"{path} is not UTF-8 text (save the CSV as UTF-8)") from None
    specs: list[tuple[int, OrgSpec]] = []
    reader = csv.reader(io.StringIO(text))
    for row in reader:
        line = reader.line_num
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if not specs and [c.lower() for c in cells] == COLUMNS:
            continue  # header
        if len(cells) not in (3, 4):
            raise Invalid(
                f"line {line}: expected 4 columns {','.join(COLUMNS)}, found {len(cells)}"
            )
        spec = OrgSpec(
            type=cells[0].lower(),
            code=cells[1],
            name=cells[2],
            parent_code=(cells[3] if len(cells) == 4 else "") or None,
        )
        try:
            validate_spec(spec)
        except Invalid as exc:
            raise Invalid(f"line {line}: {exc}") from None
        specs.append((line, spec))
    if not specs:
        raise Invalid(f"{path} has no org rows (columns: {','.join(COLUMNS)})")
    return specs
