"""A small HTTP/1.1 load generator for 127.0.0.1: threads, one keep-alive connection each.

Requests are built ahead of time (signed bodies and all) and written to the socket as bytes,
and responses are read by their Content-Length, so the client spends a few microseconds per
request: ``http.client`` parses every header block with ``email.parser``, which costs about
as much as the bare Flask view it would be measuring, on the same two cores.
"""

from __future__ import annotations

import re
import socket
import statistics
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

HOST = "127.0.0.1"
_LENGTH = re.compile(rb"\r\ncontent-length: *(\d+)", re.IGNORECASE)


def http_request(path: str, body: bytes, headers: dict[str, str] | None = None) -> bytes:
    """A complete ``POST`` request, ready to send."""
    lines = [f"POST {path} HTTP/1.1", f"Host: {HOST}", "Content-Type: application/json",
             f"Content-Length: {len(body)}", *(f"{k}: {v}" for k, v in (headers or {}).items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Connection:
    """One keep-alive connection that sends a request and reads the whole answer."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._open()

    def _open(self) -> None:
        self.sock = socket.create_connection((HOST, self.port), timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def _more(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buffer += chunk

    def exchange(self, request: bytes) -> tuple[int, bytes]:
        """Send ``request``; the status and body of the answer."""
        self.sock.sendall(request)
        while b"\r\n\r\n" not in self.buffer:
            self._more()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        length = int(_LENGTH.search(head).group(1))
        while len(self.buffer) < length:
            self._more()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        if b"connection: close" in head.lower():
            self.sock.close()
            self._open()
        return int(head[9:12]), body

    def reopen(self) -> None:
        """A new connection in place of this one (after a failure)."""
        self.sock.close()
        self._open()

    def close(self) -> None:
        self.sock.close()


@dataclass
class Result:
    """What a load run saw."""

    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    client_cpu: float = 0.0  # CPU seconds the load generator itself used

    @property
    def rate(self) -> float:
        """Answered requests per second."""
        return len(self.latencies) / self.seconds

    def percentile(self, p: float) -> float:
        """Latency percentile in milliseconds."""
        return statistics.quantiles(self.latencies, n=1000)[int(p * 10) - 1] * 1000


def _run(port: int, streams: list[Iterator[bytes]], seconds: float,
         rate: float | None) -> Result:
    """Each stream feeds one thread; ``rate`` (total requests/s) paces them, else flat out."""
    threads = len(streams)
    result = Result(seconds)
    lock = threading.Lock()
    connections = [Connection(port) for _ in streams]
    start = time.perf_counter() + 0.05
    deadline = start + seconds

    def work(index: int) -> None:
        connection, stream = connections[index], streams[index]
        latencies, errors, sent = [], 0, 0
        while True:
            if rate is None:
                due = time.perf_counter()
            else:  # open loop: latency counts from when the request was due
                due = start + (index + sent * threads) / rate
                wait = due - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
            if due >= deadline:
                break
            status, _ = connection.exchange(next(stream))
            latencies.append(time.perf_counter() - due)
            errors += status != 200
            sent += 1
        with lock:
            result.latencies += latencies
            result.errors += errors

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    cpu = time.process_time()
    while time.perf_counter() < start - 0.01:
        time.sleep(0.001)
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    result.client_cpu = time.process_time() - cpu
    for connection in connections:
        connection.close()
    return result


def saturate(port: int, streams: list[Iterator[bytes]], seconds: float) -> Result:
    """Closed loop: every thread sends its next request as soon as the last is answered."""
    return _run(port, streams, seconds, None)


def paced(port: int, streams: list[Iterator[bytes]], rate: float, seconds: float) -> Result:
    """Open loop at ``rate`` requests per second in total, spread over the threads."""
    return _run(port, streams, seconds, rate)
