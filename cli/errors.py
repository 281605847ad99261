"""The operator's mistake, as one line and exit code 2."""

from __future__ import annotations

import click


class UserError(click.ClickException):
    exit_code = 2
