"""The record's columns, typed for Arrow/Parquet and for DuckDB, generated from the JSON Schema
(``newsarchive/schema/article.schema.json``), so that every field is there with one stable type
whatever one run happened to contain (a column that is null in every row keeps its type).

Type mapping:

=====================================  ==========================================  ============================
JSON Schema                            Arrow / Parquet                              DuckDB
=====================================  ==========================================  ============================
string                                 string                                       VARCHAR
string, format date-time               timestamp[us, tz] (see `TIMEZONES`)          TIMESTAMPTZ
integer                                int64                                        BIGINT
array of strings / of objects          list<string> / list<struct>                  VARCHAR[] / STRUCT(...)[]
object (a $ref)                        struct                                       STRUCT(...)
object of strings (additionalProps)    map<string, string>                          MAP(VARCHAR, VARCHAR)
=====================================  ==========================================  ============================

Timestamps: an instant is stored (Parquet keeps timestamps as UTC instants, ``isAdjustedToUTC``);
the Arrow time zone names how readers show it: ``published_at`` and ``modified_at`` in
Asia/Ho_Chi_Minh (the records' +07:00; an IANA name, as Polars and Spark require, rather than the
fixed offset "+07:00"), ``fetched_at`` in UTC as the records give it. pandas, Polars and pyarrow
restore these zones from the file; DuckDB shows TIMESTAMPTZ in its session's TimeZone setting.
``*_raw`` fields are strings as found on the page (never parsed).
"""

from __future__ import annotations

import functools
from typing import Any

from newsarchive.schema import load_schema

VN_TZ = "Asia/Ho_Chi_Minh"
# The time zone each timestamp column is shown in (the instant is the same either way).
TIMEZONES = {"published_at": VN_TZ, "modified_at": VN_TZ, "fetched_at": "UTC"}


def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        return defs[node["$ref"].rsplit("/", 1)[1]]
    if "anyOf" in node:   # {"anyOf": [{"$ref": ...}, {"type": "null"}]}
        return _resolve(next(n for n in node["anyOf"] if n.get("type") != "null"), defs)
    return node


def _base_type(node: dict[str, Any]) -> str:
    t = node.get("type")
    if isinstance(t, list):
        t = next(x for x in t if x != "null")
    return t or "object"


def _arrow(name: str, node: dict[str, Any], defs: dict[str, Any]):
    import pyarrow as pa

    node = _resolve(node, defs)
    t = _base_type(node)
    if t == "string":
        if node.get("format") == "date-time":
            return pa.timestamp("us", tz=TIMEZONES.get(name, "UTC"))
        return pa.string()
    if t == "integer":
        return pa.int64()
    if t == "number":
        return pa.float64()
    if t == "boolean":
        return pa.bool_()
    if t == "array":
        return pa.list_(_arrow(name, node["items"], defs))
    if "properties" in node:
        return pa.struct([(k, _arrow(k, v, defs)) for k, v in node["properties"].items()])
    value = node.get("additionalProperties")
    if isinstance(value, dict):
        return pa.map_(pa.string(), _arrow(name, value, defs))
    return pa.string()   # a free-form object: its JSON text


@functools.cache
def arrow_schema():
    """The Arrow schema of a record: every field of the JSON Schema, in its order, typed."""
    import pyarrow as pa

    schema = load_schema()
    defs = schema.get("$defs", {})
    return pa.schema([(k, _arrow(k, v, defs)) for k, v in schema["properties"].items()])


def _duckdb(name: str, node: dict[str, Any], defs: dict[str, Any]) -> str:
    node = _resolve(node, defs)
    t = _base_type(node)
    if t == "string":
        return "TIMESTAMPTZ" if node.get("format") == "date-time" else "VARCHAR"
    if t == "integer":
        return "BIGINT"
    if t == "number":
        return "DOUBLE"
    if t == "boolean":
        return "BOOLEAN"
    if t == "array":
        return _duckdb(name, node["items"], defs) + "[]"
    if "properties" in node:
        return "STRUCT(" + ", ".join(f"{_ident(k)} {_duckdb(k, v, defs)}" for k, v in node["properties"].items()) + ")"
    value = node.get("additionalProperties")
    if isinstance(value, dict):
        return f"MAP(VARCHAR, {_duckdb(name, value, defs)})"
    return "JSON"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def duckdb_columns() -> dict[str, str]:
    """Column name -> DuckDB type of every record field (for ``read_json(..., columns=...)``)."""
    schema = load_schema()
    defs = schema.get("$defs", {})
    return {k: _duckdb(k, v, defs) for k, v in schema["properties"].items()}


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def duckdb_source(path: str) -> str:
    """A DuckDB table expression reading JSON Lines records (.jsonl, .jsonl.gz, .jsonl.zst; a glob
    too) with the schema's types, e.g. ``duckdb.sql(f"SELECT count(*) FROM {duckdb_source('x.jsonl')}")``."""
    return f"read_json({_sql_string(str(path))}, {_read_json_options()})"


def _read_json_options() -> str:
    cols = ", ".join(f"{_sql_string(k)}: {_sql_string(v)}" for k, v in duckdb_columns().items())
    return f"format = 'newline_delimited', columns = {{{cols}}}"


MACRO = "newsarchive_records"


def duckdb_macro_sql() -> str:
    """SQL that defines the table macro ``newsarchive_records(path)`` (shipped as
    ``newsarchive/schema/records.duckdb.sql`` for the duckdb shell: ``.read records.duckdb.sql``)."""
    return (
        "-- newsarchive records in DuckDB with the types of the record's JSON Schema (generated by\n"
        "-- `python -m newsarchive.archive.columns`; do not edit). Then: SELECT ... FROM newsarchive_records('x.jsonl.zst')\n"
        f"CREATE OR REPLACE MACRO {MACRO}(path) AS TABLE\n"
        f"SELECT * FROM read_json(path, {_read_json_options()});\n"
    )


if __name__ == "__main__":   # regenerate the shipped SQL file
    from importlib import resources

    target = resources.files("newsarchive.schema") / "records.duckdb.sql"
    with open(str(target), "w", encoding="utf-8") as fh:
        fh.write(duckdb_macro_sql())
    print(target)
