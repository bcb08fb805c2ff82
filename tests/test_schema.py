import json
from pathlib import Path

import pytest

from newsarchive.article import Article
from newsarchive.schema import SCHEMA_FILE, build_schema, load_schema, record_errors, render_markdown

ROOT = Path(__file__).parent.parent


def valid_record() -> dict:
    return Article(url="https://baolamdong.vn/a-1.html", title="Tiêu đề", body="Nội dung.",
                   published_at="2024-06-07T06:55:00+07:00", published_from="visible",
                   published_precision="minute", fetched_at="2024-06-07T00:00:00+00:00").finalise().to_dict()


def test_shipped_schema_is_generated_from_the_record_types():
    # If this fails: run `make schema` (python -m newsarchive.schema) and commit the result.
    assert load_schema() == build_schema()


def test_docs_record_md_is_current():
    assert (ROOT / "docs" / "record.md").read_text("utf-8").strip() == render_markdown().strip()


def test_every_field_is_documented():
    schema = build_schema()
    objects = [schema, *schema["$defs"].values()]
    for obj in objects:
        for name, prop in obj["properties"].items():
            assert prop["description"].strip(), f"field {name} has no documentation"


def test_a_complete_record_is_valid():
    assert record_errors(valid_record()) == []


@pytest.mark.parametrize(
    "field, value, fragment",
    [
        ("published_at", "2024-06-07T06:55:00", "published_at"),  # naive timestamp: no offset
        ("published_from", "guess", "published_from"),
        ("authors", "Lô Thanh", "authors"),
        ("id", "XYZ", "id"),
        ("schema_version", 99, "schema_version"),
    ],
)
def test_schema_rejects_wrong_values_naming_the_field(field, value, fragment):
    record = valid_record()
    record[field] = value
    errors = record_errors(record)
    assert errors and any(e.startswith(fragment) for e in errors), errors


def test_missing_and_unknown_fields_are_rejected():
    record = valid_record()
    del record["title"]
    record["extra"] = 1
    text = " ".join(record_errors(record))
    assert "title" in text and "extra" in text


def test_schema_file_is_valid_json_schema():
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(json.loads((ROOT / "newsarchive/schema" / SCHEMA_FILE).read_text()))
