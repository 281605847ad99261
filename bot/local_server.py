"""A uvicorn server in a background thread on a free local port: how the bot tests, the end-to-end
tests and the benchmarks serve the bot and the Slack stand-in in their own process."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn
from starlette.applications import Starlette


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Running:
    """A uvicorn server in a background thread, serving from the moment it is made until `stop`."""

    def __init__(self, app: Starlette, *, start_within: float = 10.0) -> None:
        self.port = free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + start_within
        while not self.server.started:  # a deadline, never a fixed sleep
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start within {start_within:g} s")
            time.sleep(0.01)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
