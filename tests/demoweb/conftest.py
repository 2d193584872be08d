"""Fixtures for the demo web tests: a running server, and a plain-stdlib HTTP client through it."""
from __future__ import annotations

import http.client
import socket
import ssl
from dataclasses import dataclass

import pytest

from demoweb.server import DemoWeb


@dataclass
class Resp:
    status: int
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def fetch(web: DemoWeb, url: str, headers: dict | None = None, method: str = "GET", timeout: float = 20) -> Resp:
    """GET an absolute URL through the demo web acting as an HTTP proxy (absolute-form request line)."""
    c = http.client.HTTPConnection("127.0.0.1", web.port, timeout=timeout)
    try:
        c.request(method, url.replace("https://", "http://", 1), headers=headers or {})
        r = c.getresponse()
        return Resp(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
    finally:
        c.close()


def fetch_tls(web: DemoWeb, host: str, path: str, headers: dict | None = None) -> Resp:
    """CONNECT host:443 through the proxy, then HTTPS inside the tunnel (certificate not verified)."""
    s = socket.create_connection(("127.0.0.1", web.port), timeout=20)
    s.sendall(f"CONNECT {host}:443 HTTP/1.1\r\nHost: {host}:443\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(1)
        if not chunk:
            break
        head += chunk
    assert head.startswith(b"HTTP/1.1 200"), head
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ts = ctx.wrap_socket(s, server_hostname=host)
    c = http.client.HTTPConnection(host, 443, timeout=20)
    c.sock = ts
    try:
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        return Resp(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
    finally:
        c.close()


def get_ok(web: DemoWeb, url: str, tries: int = 4, **kw) -> Resp:
    """Fetch, retrying server errors (the flaky site answers 500 every other request)."""
    r = fetch(web, url, **kw)
    for _ in range(tries - 1):
        if r.status < 500:
            break
        r = fetch(web, url, **kw)
    return r


@pytest.fixture(scope="session")
def web():
    w = DemoWeb(scale=1, seed=7, slow_seconds=0.2)
    w.start(0)
    yield w
    w.stop()
