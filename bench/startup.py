"""Start-up benchmark: how long `memberbot --help` and a simple verb (`memberbot plans list`) take,
each as a process of its own, next to two anchors measured in the same run: a bare interpreter
(`python -c pass`) and one that imports click (`python -c "import click"`), the least a click
program can cost.

The four commands run in turns (one of each, then again), so that a load on the machine falls on
all of them alike; each figure is the median. Target: `memberbot --help` within 0.5 s. The simple
verb is shown for information, with its ratios to the anchors.

Run:  .venv/bin/python -m bench.startup [--runs 15] [--database-url URL]
Without --database-url the verb reads a fresh SQLite file in a temporary directory, migrated
first (as `memberbot db upgrade` would). A PostgreSQL URL is wiped (its public schema is dropped).
Exits 1 when the target is missed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import fresh
from bench.slack_commands import machine

HELP_TARGET = 0.5  # seconds
MEMBERBOT = str(Path(sys.executable).with_name("memberbot"))  # the installed entry point


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="Timed runs of each command, after a warm-up.")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    idle = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'startup.sqlite'}"
        db = fresh(url)
        print("\n".join(machine(db, idle)))
        env = {**os.environ, "DATABASE_URL": url, "MEMBERBOT_TEAM": "TBENCH"}
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            'python -c "import click"': [sys.executable, "-c", "import click"],
            "memberbot --help": [MEMBERBOT, "--help"],
            "memberbot plans list": [MEMBERBOT, "plans", "list"],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for run in range(args.runs + 1):  # the first round warms up: bytecode, the workspace's set-up
            for name, command in commands.items():
                seconds = timed(command, env, tmp)
                if run:
                    times[name].append(seconds)
    medians = {name: statistics.median(seconds) for name, seconds in times.items()}
    bare, click_only = medians["python -c pass"], medians['python -c "import click"']
    print(f"{args.runs} runs of each, in turns; medians")
    for name, seconds in medians.items():
        ratios = f"{seconds / bare:5.1f}x python -c pass, {seconds / click_only:4.1f}x import click"
        print(f"{name:<26} {seconds:6.3f} s   {ratios}")
    helped = medians["memberbot --help"]
    passed = helped <= HELP_TARGET
    verdict = "PASS" if passed else "FAIL"
    print(f"{'memberbot --help':<26} {helped:6.3f} s (target <= {HELP_TARGET} s) {verdict}")
    return 0 if passed else 1


def timed(command: list[str], env: dict[str, str], cwd: str) -> float:
    """The wall time of `command`, run to its end; a command that fails stops the benchmark."""
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {done.stderr}")
    return seconds


if __name__ == "__main__":
    sys.exit(main())
