"""The `extract` and `eval` commands, run through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from newsarchive.cli import main

PAGES = Path(__file__).parent / "fixtures" / "pages"


def test_extract_prints_one_json_record_per_page() -> None:
    page = PAGES / "lamdongtv.vn" / "tap-huan-truyen-thong-2024.html"
    url = "https://lamdongtv.vn/tin-tuc/tap-huan-truyen-thong-quang-ba-hinh-anh-viet-nam-123456.html"
    result = CliRunner().invoke(main, ["extract", str(page), "--url", url, "--no-profile"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["title"] == "Tập huấn Truyền thông quảng bá, hình ảnh Việt Nam"
    assert record["published_at"] == "2024-06-07T06:55:00+07:00"
    assert record["authors"] == ["Lô Thanh"] and record["site"] == "lamdongtv.vn"


def test_extract_folder_reports_non_articles() -> None:
    result = CliRunner().invoke(main, ["extract", str(PAGES / "nld.com.vn")])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.output.strip().splitlines()]
    assert sum(1 for r in records if "not_article" in r) == 1
    assert sum(1 for r in records if "title" in r) == 2


def test_extract_url_with_several_pages_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["extract", str(PAGES / "nld.com.vn"), "--url", "https://nld.com.vn/x"])
    assert result.exit_code != 0 and "--url" in result.output and "Traceback" not in result.output


def test_eval_prints_per_field_scores() -> None:
    result = CliRunner().invoke(main, ["eval", str(PAGES), str(PAGES), "--no-profiles", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["pages"] >= 19
    assert summary["body_f1"] >= 0.97 and summary["title"] >= 0.95 and summary["published"] >= 0.95
    assert summary["authors"] >= 0.95 and summary["image_recall"] >= 0.9


def test_eval_without_keys_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["eval", str(tmp_path), str(tmp_path)])
    assert result.exit_code != 0 and "no answer keys" in result.output


def test_help_has_examples() -> None:
    for cmd in ("extract", "eval"):
        result = CliRunner().invoke(main, [cmd, "--help"])
        assert result.exit_code == 0 and "Example:" in result.output


def test_a_page_in_doubt_is_printed_with_its_confidence(tmp_path: Path) -> None:
    paras = "".join(f"<p>Đoạn {i}: hợp tác xã đã ký hợp đồng bao tiêu với các hộ dân, hỗ trợ giống và phân bón, "
                    "hướng dẫn kỹ thuật canh tác để nâng cao chất lượng và thu nhập.</p>" for i in range(6))
    page = tmp_path / "hop-tac-xa.html"
    page.write_text(f"<html><head><title>Hợp tác xã chè mở rộng vùng nguyên liệu - Báo</title></head><body>"
                    f"<h1>Hợp tác xã chè mở rộng vùng nguyên liệu</h1><div>{paras}</div></body></html>", "utf-8")
    result = CliRunner().invoke(main, ["extract", str(page)])
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert record["title"] == "Hợp tác xã chè mở rộng vùng nguyên liệu"
    assert record["extraction"]["confidence"] < 0.5
    assert any("not sure this page is an article" in w for w in record["extraction"]["warnings"])
