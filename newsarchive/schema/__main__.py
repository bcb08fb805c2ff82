"""Regenerate the shipped JSON Schema and docs/record.md from newsarchive/article.py."""

import json
import sys
from pathlib import Path

from newsarchive.schema import SCHEMA_FILE, build_schema, render_markdown

here = Path(__file__).parent
schema = build_schema()
(here / SCHEMA_FILE).write_text(json.dumps(schema, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
docs = Path(sys.argv[1]) if len(sys.argv) > 1 else here.parent.parent / "docs" / "record.md"
if docs.parent.is_dir():
    docs.write_text(render_markdown(schema) + "\n", encoding="utf-8")
print(f"wrote {here / SCHEMA_FILE} and {docs}")
