"""Every command has help with an example, is documented in the README, and runs."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsarchive.cli import COMMANDS, SHORT_HELP, main

ROOT = Path(__file__).parent.parent


def test_top_level_help_lists_every_command():
    res = CliRunner().invoke(main, ["--help"])
    assert res.exit_code == 0
    for name in COMMANDS:
        assert name in res.output


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_help_has_an_example(name):
    res = CliRunner().invoke(main, [name, "--help"])
    assert res.exit_code == 0, res.output
    assert "Example:" in res.output, f"`newsarchive {name} --help` shows no Example"
    assert f"newsarchive {name}" in res.output


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_is_documented_in_readme(name):
    readme = (ROOT / "README.md").read_text("utf-8")
    assert f"newsarchive {name}" in readme, f"README.md does not show `newsarchive {name}`"
    assert name in SHORT_HELP


def test_unknown_command_is_a_clear_error():
    res = CliRunner().invoke(main, ["no-such-command"])
    assert res.exit_code == 2
    assert "No such command" in res.output


def test_demo_runs_end_to_end(tmp_path):
    """`newsarchive demo` serves the sample site, crawls it and prints the summary (own process: own reactor)."""
    archive = tmp_path / "demo"
    proc = subprocess.run(
        [sys.executable, "-c", "from newsarchive.cli import run; run()", "demo", "--archive", str(archive)],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    n_articles = len(list((ROOT / "newsarchive/samples/site/bai-viet").iterdir()))
    assert f"Articles archived: {n_articles}" in proc.stdout
    assert f"Valid against the record schema: {n_articles}/{n_articles}" in proc.stdout
    from newsarchive.jsonl import record_files

    assert record_files(archive)


def test_demo_refuses_to_empty_a_folder_it_did_not_make(tmp_path):
    keep = tmp_path / "precious.txt"
    keep.write_text("real archive")
    res = CliRunner().invoke(main, ["demo", "--archive", str(tmp_path)])
    assert res.exit_code == 1
    assert "refusing" in res.output
    assert keep.read_text() == "real archive"
