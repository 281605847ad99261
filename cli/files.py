"""Reading an operator's input file (a CSV of customers, a YAML catalogue) as text.

Whatever the path names, the command ends with one line naming the file, exit code 1 and nothing
written, or gets the file's text: a device (/dev/zero), a FIFO or a directory is refused before
it is read, and a file is read only up to its limit. UTF-8 is read with or without its byte-order
mark, UTF-16 by its mark (Excel's "Unicode text"); a file that is not UTF-8 is read as Windows-1252,
what Excel writes for "CSV (Comma delimited)" on Windows, with a note saying so, so that
"Café Müller" arrives as written instead of the import being refused — unless the file also holds
UTF-8 letters: a file mixing both is refused rather than read as "CafÃ©".
"""

from __future__ import annotations

import codecs
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

import click

FALLBACK = "cp1252"
_SAVE_AS = "save it as UTF-8 (in Excel: CSV UTF-8)"
_ZIP = b"PK\x03\x04"  # .xlsx and .ods are zip files
# A UTF-8 encoded letter beyond ASCII: in text that is Windows-1252 these pairs ("Ã©") hardly occur.
_UTF8_LETTER = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


class UnreadableFile(click.ClickException):
    """One line naming the file (and the line, when there is one); exit code 1."""

    exit_code = 1

    def __init__(self, file: Path, problem: str, line: int | None = None) -> None:
        super().__init__(f"{file}{f' line {line}' if line else ''}: {problem}")


@dataclass(frozen=True)
class TextFile:
    text: str
    note: str = ""  # said before the import: how the file was read when it was not UTF-8


def read_text(file: Path, limit: int) -> TextFile:
    """The text of `file`, at most `limit` bytes of it; UnreadableFile otherwise."""
    data = _read_bytes(file, limit)
    if data.startswith(_ZIP):
        raise UnreadableFile(
            file, "a spreadsheet or other zip file, not text; save it as UTF-8 (Excel: CSV UTF-8)"
        )
    text, note = _decoded(file, data)
    if "\x00" in text:
        raise UnreadableFile(
            file, "contains a NUL byte, so it is not a text file", text.count("\n", 0, text.index("\x00")) + 1
        )
    return TextFile(text, note)


def _read_bytes(file: Path, limit: int) -> bytes:
    # O_NONBLOCK: opening a FIFO must not wait for a writer before we can refuse it
    try:
        fd = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise UnreadableFile(file, "no such file") from None
    except IsADirectoryError:
        raise UnreadableFile(file, "a directory, not a file") from None
    except OSError as exc:
        raise UnreadableFile(file, f"cannot be opened ({exc.strerror or exc})") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise UnreadableFile(file, "a directory, not a file")
        if not stat.S_ISREG(mode):  # /dev/zero never ends, a FIFO or socket may never answer
            raise UnreadableFile(file, "not a regular file")
        with os.fdopen(os.dup(fd), "rb") as opened:
            data = opened.read(limit + 1)
    except OSError as exc:
        raise UnreadableFile(file, f"cannot be read ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise UnreadableFile(file, f"larger than {limit // 1024 // 1024} MB; split it and import the parts")
    return data


def _decoded(file: Path, data: bytes) -> tuple[str, str]:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), ""
        except UnicodeDecodeError as exc:
            raise UnreadableFile(file, "marked as UTF-16 but is not", _line_of(data, exc.start)) from None
    try:
        return data.decode("utf-8-sig"), ""
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        text = data.decode(FALLBACK)
    except UnicodeDecodeError as exc:  # five bytes mean nothing in Windows-1252 either
        raise UnreadableFile(
            file,
            f"neither UTF-8 nor Windows-1252 (byte 0x{data[exc.start]:02x}); {_SAVE_AS}",
            _line_of(data, exc.start),
        ) from None
    line = _line_of(data, utf8_error.start)
    if _UTF8_LETTER.search(data):  # "CafÃ©" is worse than a refusal: the file was edited twice
        raise UnreadableFile(
            file,
            f"mixes UTF-8 with other bytes (byte 0x{data[utf8_error.start]:02x}); {_SAVE_AS}",
            line,
        )
    return text, f"{file}: not UTF-8 (line {line}); read as Windows-1252, as Excel writes it."


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1
