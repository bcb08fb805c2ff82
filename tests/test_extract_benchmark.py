"""benchmarks/extraction.py runs the public article-extraction benchmark with that benchmark's own
evaluate.py (never a copy of it) beside newsarchive and trafilatura. Checked on a five-page slice of
the benchmark folder of ../shared (pages and ground truth linked, its evaluate.py run where it is);
skipped when ../shared is not beside the project (a clean clone in CI)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT.parent / "shared" / "benchmarks" / "article-extraction-benchmark"

pytestmark = pytest.mark.skipif(not (BENCH / "evaluate.py").exists(),
                                reason="the public benchmark (../shared/benchmarks) is not beside the project")


def _script():
    spec = importlib.util.spec_from_file_location("extraction_benchmark", ROOT / "benchmarks" / "extraction.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_public_benchmark_is_scored_by_its_own_evaluate_py(tmp_path, capsys) -> None:
    truth = json.loads((BENCH / "ground-truth.json").read_text(encoding="utf-8"))
    keys = sorted(truth)[:5]
    mini = tmp_path / "bench"
    (mini / "html").mkdir(parents=True)
    for key in keys:
        os.symlink(BENCH / "html" / f"{key}.html.gz", mini / "html" / f"{key}.html.gz")
    (mini / "ground-truth.json").write_text(json.dumps({k: truth[k] for k in keys}), encoding="utf-8")
    os.symlink(BENCH / "evaluate.py", mini / "evaluate.py")   # its scorer, run from its place
    _script().public(mini, rounds=1)
    out = capsys.readouterr().out
    rows = {m.group(1): float(m.group(2)) for m in re.finditer(r"^(\S+)\s+([01]\.\d{3}) ±", out, re.M)}
    assert set(rows) == {"newsarchive", "newsarchive-lead+body", "trafilatura-fast"}, out
    assert rows["newsarchive"] > 0.5
    assert "pages refused (judged not articles): " in out
    assert re.search(r"RATIO newsarchive / trafilatura\(fast=True\) on the public benchmark = \d+\.\d\dx", out)
