import gzip
import json

from click.testing import CliRunner

from newsarchive.cli import main
from newsarchive.jsonl import dumps
from newsarchive.validate import validate_file
from test_schema import valid_record


def write(path, lines, opener=open):
    with opener(path, "wt", encoding="utf-8") as fh:
        fh.write("".join(lines))


def test_good_file_is_valid(tmp_path):
    p = tmp_path / "a.jsonl"
    write(p, [dumps(valid_record()) + "\n"] * 3)
    r = validate_file(p)
    assert (r.records, r.valid, r.ok) == (3, 3, True)


def test_bad_lines_are_reported_by_number(tmp_path):
    bad = valid_record()
    bad["published_at"] = "hôm qua"
    p = tmp_path / "a.jsonl.gz"
    write(p, [dumps(valid_record()) + "\n", dumps(bad) + "\n", "{not json\n"], opener=gzip.open)
    r = validate_file(p)
    assert [pr.line for pr in r.problems] == [2, 3]
    assert "published_at" in r.problems[0].message
    assert "not JSON" in r.problems[1].message


def test_torn_last_line_is_named(tmp_path):
    p = tmp_path / "a.jsonl"
    line = dumps(valid_record())
    write(p, [line + "\n", line[: len(line) // 2]])
    r = validate_file(p)
    assert r.valid == 1 and len(r.problems) == 1 and "torn" in r.problems[0].message


def test_cli_validate_exit_codes_and_messages(tmp_path):
    good = tmp_path / "good.jsonl"
    write(good, [dumps(valid_record()) + "\n"])
    runner = CliRunner()
    ok = runner.invoke(main, ["validate", str(good)])
    assert ok.exit_code == 0, ok.output
    assert "1 records in 1 file(s), 0 problem(s)" in ok.output
    bad = tmp_path / "bad.jsonl"
    write(bad, [json.dumps({"url": 1}) + "\n"])
    res = runner.invoke(main, ["validate", str(tmp_path)])
    assert res.exit_code == 1
    assert f"{bad}:1:" in res.output


def test_cli_validate_unreadable_file_is_one_clear_line(tmp_path):
    p = tmp_path / "x.jsonl.gz"
    p.write_bytes(b"not gzip at all")
    res = CliRunner().invoke(main, ["validate", str(p)])
    assert res.exit_code == 1
    assert "Traceback" not in res.output


def test_cli_validate_folder_skips_rejects_files(tmp_path):
    run = tmp_path / "runs" / "r1"
    run.mkdir(parents=True)
    write(run / "articles.jsonl", [dumps(valid_record()) + "\n"])
    write(run / "rejects.jsonl", [json.dumps({"errors": ["x"], "record": {"url": 1}}) + "\n"])
    res = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "1 records in 1 file(s), 0 problem(s)" in res.output
    # named explicitly, a rejects file is checked like any other
    assert CliRunner().invoke(main, ["validate", str(run / "rejects.jsonl")]).exit_code == 1
