"""The hostile server does what it claims (else the crawler tests would prove nothing)."""
from __future__ import annotations

import http.client
import socket
import time
import zlib

from tests.reliability import hostile as H


def _get(srv: H.HostileServer, path: str, host: str = "a.hostile.test", proxy: bool = True,
         timeout: float = 10) -> http.client.HTTPResponse:
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=timeout)
    c.request("GET", f"http://{host}{path}" if proxy else path, headers={"Host": host})
    return c.getresponse()


def test_gzip_bomb_is_small_on_the_wire_and_inflates_fully() -> None:
    with H.HostileServer() as srv:
        srv.route("/b", H.gzip_bomb(64 * H.MB))
        r = _get(srv, "/b")
        assert r.getheader("Content-Encoding") == "gzip"
        d = zlib.decompressobj(wbits=31)
        wire = inflated = 0
        while chunk := r.read(65536):
            wire += len(chunk)
            inflated += len(d.decompress(chunk, 0))
        inflated += len(d.flush())
        assert d.eof  # a valid gzip stream: CRC and length checked by zlib
        assert inflated == 64 * H.MB and wire < 128 * 1024 and wire == int(r.getheader("Content-Length"))


def test_big_bomb_costs_the_server_no_memory() -> None:
    """A 4 GB bomb is ~4 MB on the wire and made while sending."""
    with H.HostileServer() as srv:
        srv.route("/b", H.gzip_bomb(4 * H.GB))
        r = _get(srv, "/b")
        assert int(r.getheader("Content-Length")) < 5 * H.MB
        r.read(10_000)
        r.close()


def test_routes_by_proxy_host_and_logs() -> None:
    with H.HostileServer() as srv:
        srv.route("/", H.page("A"), host="a.hostile.test")
        srv.route("/", H.page("B"), host="b.hostile.test")
        assert _get(srv, "/", "a.hostile.test").read() == b"A"
        assert _get(srv, "/", "b.hostile.test").read() == b"B"
        assert _get(srv, "/", "b.hostile.test", proxy=False).read() == b"B"
        assert _get(srv, "/", "c.hostile.test").status == 404
        assert {"a.hostile.test", "b.hostile.test", "c.hostile.test"} <= srv.hosts()


def test_redirect_chain_and_loop() -> None:
    with H.HostileServer() as srv:
        first = H.redirect_chain(srv, "/c", 3, H.page("end"))
        r = _get(srv, first)
        assert r.status == 302 and r.getheader("Location") == "/c/1"
        loop = H.redirect_loop(srv, "/l")
        assert _get(srv, loop).getheader("Location") == "/l/b"
        assert _get(srv, "/l/b").getheader("Location") == "/l/a"


def test_many_links_streams_the_count_asked() -> None:
    with H.HostileServer() as srv:
        srv.route("/m", H.many_links(12_345))
        body = _get(srv, "/m").read()
        assert body.count(b"<a href=") == 12_345


def test_endless_page_stops_when_client_hangs_up() -> None:
    with H.HostileServer() as srv:
        srv.route("/e", H.endless_chunked())
        r = _get(srv, "/e")
        got = r.read(3 * H.MB)
        assert len(got) == 3 * H.MB
        r.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not srv.hits(path="/e")[0].aborted:
            time.sleep(0.05)
        assert srv.hits(path="/e")[0].aborted


def test_slow_drip_is_slow() -> None:
    with H.HostileServer() as srv:
        srv.route("/s", H.slow_drip(0.2, total=50))
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
        s.sendall(b"GET /s HTTP/1.1\r\nHost: a\r\n\r\n")
        s.recv(4096)  # the head
        t = time.monotonic()
        n = sum(len(s.recv(10)) for _ in range(5))
        assert n == 5 and time.monotonic() - t >= 0.6
        s.close()


def test_bad_content_length_is_sent_raw() -> None:
    with H.HostileServer() as srv:
        srv.route("/c", H.bad_content_length("conflict"))
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
        s.sendall(b"GET /c HTTP/1.1\r\nHost: a\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
        assert data.count(b"Content-Length:") == 2


def test_entity_documents_carry_their_payloads(tmp_path) -> None:
    assert b"<!ENTITY lol9" in H.billion_laughs_rss("a.test") and b"&lol9;" in H.billion_laughs_sitemap("a.test")
    assert f"file://{tmp_path}/s".encode() in H.xxe_rss(f"{tmp_path}/s", "a.test")
    assert b"&xxe;" in H.xxe_sitemap(f"{tmp_path}/s", "a.test")
