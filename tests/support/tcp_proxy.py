"""A TCP proxy a test controls, in front of a real server: pass, refuse, drop or stall.

- `pass`: bytes flow both ways;
- `refuse`: nothing listens on the port any more (connect gets ECONNREFUSED), open connections
  are cut: a server that is down;
- `drop`: connections are accepted and closed at once, open ones cut: a server that crashed;
- `stall`: connections are accepted, and no byte moves either way, on new and open ones alike:
  a paused server, or a network that swallows packets.
"""

from __future__ import annotations

import select
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.mode = "pass"
        self.lock = threading.Lock()
        self.connections: list[tuple[socket.socket, socket.socket]] = []
        self.closed = threading.Event()
        self.listener: socket.socket | None = None
        self.port = 0
        self._listen()

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while not self.closed.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                return  # the listener was closed (refuse, or the end)
            if self.mode == "drop":
                client.close()
                continue
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.connections.append((client, server))
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, client: socket.socket, server: socket.socket) -> None:
        peers = {client: server, server: client}
        try:
            while not self.closed.is_set():
                if self.mode == "stall":
                    self.closed.wait(0.05)
                    continue
                readable, _, _ = select.select(list(peers), [], [], 0.05)
                for sock in readable:
                    if self.mode == "stall":
                        break
                    data = sock.recv(65536)
                    if not data:
                        return
                    peers[sock].sendall(data)
        except OSError:
            return
        finally:
            for sock in (client, server):
                sock.close()

    def _cut_all(self) -> None:
        with self.lock:
            connections, self.connections = self.connections, []
        for pair in connections:
            for sock in pair:
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def set_mode(self, mode: str) -> None:
        assert mode in ("pass", "refuse", "drop", "stall")
        previous, self.mode = self.mode, mode
        if mode in ("refuse", "drop"):
            self._cut_all()
        if mode == "refuse" and self.listener is not None:
            self._stop_listening()
        if previous == "refuse" and mode != "refuse":
            self._listen()

    def _stop_listening(self) -> None:
        assert self.listener is not None
        # close() alone leaves a thread blocked in accept() holding the port open (Linux);
        # shutdown() wakes it up and the port refuses from then on.
        with suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        self.listener = None

    def close(self) -> None:
        self.closed.set()
        if self.listener is not None:
            self._stop_listening()
        self._cut_all()


@contextmanager
def tcp_proxy(host: str, port: int) -> Iterator[TcpProxy]:
    proxy = TcpProxy(host, port)
    try:
        yield proxy
    finally:
        proxy.close()
