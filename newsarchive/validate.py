"""Checking archive files against the record schema, line by line."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from newsarchive.jsonl import iter_lines
from newsarchive.schema import record_errors


@dataclass
class LineProblem:
    line: int
    message: str


@dataclass
class ValidationReport:
    path: str
    records: int = 0
    valid: int = 0
    problems: list[LineProblem] = field(default_factory=list)
    fatal: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and self.fatal is None


def validate_file(path: str | Path, max_problems: int = 1000) -> ValidationReport:
    """Validate every line of a JSON Lines archive file; bad lines are reported by number."""
    report = ValidationReport(str(path))
    try:
        for number, line in iter_lines(path):
            report.records += 1
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                torn = "" if line.endswith("\n") else " (torn last line: the writer was interrupted)"
                report.problems.append(LineProblem(number, f"not JSON: {exc.msg}{torn}"))
                continue
            errors = record_errors(record)
            if errors:
                if len(report.problems) < max_problems:
                    report.problems.append(LineProblem(number, "; ".join(errors[:5])))
            else:
                report.valid += 1
    except (OSError, ValueError) as exc:
        report.fatal = str(exc)
    return report
