"""A TCP forwarder between memberbot and its database that a test tells to misbehave as networks
and databases do: `hang` (bytes stop flowing both ways; connections stay open and new ones are
accepted, never answered), `cut` (every connection closed, new ones too), `resume`, and
`lose_next_commit_answer` (the next COMMIT reaches the server, its answer never comes back: the
connection is closed after the server has had time to commit)."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from sqlalchemy.engine import make_url


class Proxy:
    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._flowing = threading.Event()
        self._flowing.set()
        self._cutting = False
        self._closed = False
        self.losing_commit = False
        self._muted: set[socket.socket] = set()  # their replies are dropped
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def hang(self) -> None:
        self._flowing.clear()

    def resume(self) -> None:
        self._cutting = False
        self._flowing.set()

    def cut(self) -> None:
        self._cutting = True
        with self._lock:
            for s in self._sockets:
                _close(s)
            self._sockets.clear()
        self._flowing.set()  # held bytes are dropped, not delivered

    def lose_next_commit_answer(self) -> None:
        self.losing_commit = True

    def close(self) -> None:
        self._closed = True
        self.cut()
        _close(self._listener)

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self._cutting:
                _close(client)
                continue
            try:
                upstream = socket.create_connection(self._target, timeout=5)
            except OSError:
                _close(client)
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets += [client, upstream]
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                while not self._flowing.wait(0.05):  # hung: hold the bytes
                    pass
                if self._cutting:
                    break
                if self.losing_commit and b"COMMIT" in data:
                    self.losing_commit = False
                    self._muted.add(dst)
                    dst.sendall(data)
                    time.sleep(0.5)  # the server reads the COMMIT, commits, and finds nobody to tell
                    break
                if src in self._muted:
                    break
                dst.sendall(data)
        except OSError:
            pass
        _close(src)
        _close(dst)


def _close(s: socket.socket) -> None:
    with suppress(OSError):
        s.shutdown(socket.SHUT_RDWR)
    s.close()


@contextmanager
def proxied_postgresql() -> Iterator[tuple[Proxy, str]]:
    """A proxy to MEMBERBOT_TEST_DATABASE_URL's server, and the URL that goes through it."""
    url = make_url(os.environ["MEMBERBOT_TEST_DATABASE_URL"])
    proxy = Proxy(url.host or "127.0.0.1", url.port or 5432)
    try:
        yield proxy, url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    finally:
        proxy.close()
