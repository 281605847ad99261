"""Files the import commands are given that are not what they expect: each is one line naming the
file (and the line), exit code 1, no traceback and nothing written; Excel's encodings import."""

from __future__ import annotations

import codecs
import os
from pathlib import Path

import pytest

from tests.integration.cli.conftest import Run

GOOD_CSV = "company,contact\nFirst Co,Ann Lee\n"
NESTED = "version: 1\nplans: " + "[" * 10_000 + "]" * 10_000 + "\n"
LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 10)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True)
)


def _one_line(result_output: str) -> str:
    lines = result_output.strip().splitlines()
    assert len(lines) == 1, result_output
    assert "Traceback" not in result_output
    return lines[0]


def _customers(run: Run) -> str:
    found = run("customers", "search", "")
    assert found.exit_code == 0, found.output
    return found.output


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        (
            "undefined.csv",
            b"company\nBad \x81 byte\n",
            "undefined.csv line 2: neither UTF-8 nor Windows-1252 (byte 0x81)",
        ),
        (
            "mixed.csv",
            "company\nCafé\n".encode() + "Müller\n".encode("cp1252"),
            "mixed.csv line 3: mixes UTF-8 with other bytes (byte 0xfc)",
        ),
        ("nul.csv", b"company\nA\x00B\n", "nul.csv line 2: contains a NUL byte"),
        ("sheet.csv", b"PK\x03\x04rest of a zip", "sheet.csv: a spreadsheet or other zip file, not text"),
        ("open.csv", b'company,notes\nGood,\n"Open,never closed\n', "open.csv line 3: this is not valid CSV"),
        ("shut.csv", b'company,notes\n"Shut" here,\n', "shut.csv line 2: this is not valid CSV"),
        (
            "long.csv",
            b"company\n" + b"x" * 200_000 + b"\n",
            "long.csv line 2: this is not valid CSV (field larger",
        ),
        ("big.csv", b"company\n" + b"x" * (5 * 1024 * 1024) + b"\n", "big.csv: larger than 5 MB"),
        ("empty.csv", b"", "empty.csv: the file is empty"),
    ],
)
def test_a_bad_csv_is_one_line_exit_1_and_writes_nothing(
    run: Run, tmp_path: Path, name: str, content: bytes, says: str
) -> None:
    (tmp_path / "good.csv").write_text(GOOD_CSV)
    assert run("customers", "import", "good.csv").exit_code == 0
    before = _customers(run)
    (tmp_path / name).write_bytes(content)
    result = run("customers", "import", name)
    assert result.exit_code == 1
    assert _one_line(result.output).startswith(f"Error: {says}"), result.output
    assert _customers(run) == before


def test_what_is_not_a_regular_file_is_refused_before_it_is_read(run: Run, tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.csv")  # opening it to read would wait for a writer forever
    (tmp_path / "folder.csv").mkdir()
    for path, says in [
        ("/dev/zero", "/dev/zero: not a regular file"),  # would fill the memory
        ("/dev/urandom", "/dev/urandom: not a regular file"),
        ("pipe.csv", "pipe.csv: not a regular file"),
        ("folder.csv", "folder.csv: a directory, not a file"),
        ("missing.csv", "missing.csv: no such file"),
    ]:
        for verb in ("customers", "plans"):
            result = run(verb, "import", path)
            assert (result.exit_code, _one_line(result.output)) == (1, f"Error: {says}")
    assert _customers(run).startswith("No customer matches “”.")


def test_excel_exports_import_as_written(run: Run, tmp_path: Path) -> None:
    rows = "company,contact\nCafé Müller,Zoë Ærø\n"
    (tmp_path / "ansi.csv").write_bytes(rows.encode("cp1252"))  # Excel's "CSV (Comma delimited)"
    (tmp_path / "bom.csv").write_bytes(codecs.BOM_UTF8 + rows.replace("Café", "Bäckerei").encode())
    (tmp_path / "utf16.csv").write_bytes(rows.replace("Café", "Crème").encode("utf-16"))
    ansi = run("customers", "import", "ansi.csv")
    assert ansi.exit_code == 0, ansi.output
    assert "ansi.csv: not UTF-8 (line 2); read as Windows-1252" in ansi.output
    for name in ("bom.csv", "utf16.csv"):
        done = run("customers", "import", name)
        assert done.exit_code == 0 and "Imported 1 customer;" in done.output and "UTF-8" not in done.output
    listed = _customers(run)
    for company in ("Café Müller", "Bäckerei Müller", "Crème Müller"):
        assert f"{company} (Zoë Ærø)" in listed


def _plans(run: Run) -> str:
    listed = run("plans", "list")
    assert listed.exit_code == 0, listed.output
    return listed.output


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (
            "version: 1\nplans:\n- code: X\n  name: 2026-02-30\n",
            "line 4: this is not valid YAML: '2026-02-30' cannot be read (day is out of range for month)",
        ),
        (NESTED, "line 2: this is not valid YAML: nested deeper than 40 levels"),
        (LAUGHS, "line 5: this is not valid YAML: aliases expand to more than 100,000 values"),
        ("version: 1\nplans: !!python/object/apply:os.system [echo hi]\n", "line 2: this is not valid YAML"),
        ("version: 1\nplans: [\n", "line 3: this is not valid YAML"),
        (
            "version: 1\nplans:\n- name: \x07\n",
            "line 3: this is not valid YAML: the character U+0007 is not allowed",
        ),
        ("version: 1\n plans: []\n", "line 2: this is not valid YAML"),
    ],
)
def test_a_bad_catalogue_file_is_one_line_exit_1_and_writes_nothing(
    run: Run, tmp_path: Path, content: str, says: str
) -> None:
    assert run("db", "upgrade").exit_code == 0
    before = _plans(run)
    (tmp_path / "plans.yaml").write_text(content)
    result = run("plans", "import", "plans.yaml")
    assert result.exit_code == 1
    assert _one_line(result.output).startswith(f"Error: plans.yaml {says}"), result.output
    assert _plans(run) == before


def test_a_catalogue_saved_as_windows_1252_imports_with_a_note(run: Run, tmp_path: Path) -> None:
    assert run("db", "upgrade").exit_code == 0
    assert run("plans", "export", "plans.yaml").exit_code == 0
    text = (tmp_path / "plans.yaml").read_text().replace("name: Gold", "name: Gold Café")
    (tmp_path / "plans.yaml").write_bytes(text.encode("cp1252"))
    result = run("plans", "import", "plans.yaml")
    assert result.exit_code == 0 and "read as Windows-1252" in result.output
    assert "Gold Café" in _plans(run)
