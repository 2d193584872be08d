"""The demo web server: one threaded HTTP proxy on 127.0.0.1 that *is* every demo site.

A crawler configured with `proxy = web.proxy_url` sends `GET http://host/path` (plain HTTP) or
`CONNECT host:443` and then TLS (HTTPS); both reach the right site by host name, so the crawler runs
its production code paths. Origin-form requests with a `Host:` header work too (handy in tests).
The host `demo.control` answers control requests (/stats, /reset-stats, /as-of?date=, /down?host=&down=1,
/truth) so another process can watch and steer a running server.
"""
from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import json
import socketserver
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from demoweb.app import App, Page
from demoweb.channels import HOSTS as CHANNEL_HOSTS
from demoweb.channels import ChannelWeb
from demoweb.render import http_date
from demoweb.tls import server_context
from demoweb.truth import parse_as_of, truth_of
from demoweb.world import FLAKY_HOST, SLOW_HOST, UNREACHABLE, build_world

CONTROL_HOST = "demo.control"


class DemoWeb:
    """The whole demo province, served on one loopback port. Usable as a context manager."""

    def __init__(self, scale: int = 1, seed: int = 7, as_of: str | dt.date | None = None,
                 registry_path: str | Path | None = None, plan_path: str | Path | None = None,
                 slow_seconds: float = 1.5, bind: str = "127.0.0.1"):
        self.scale, self.seed = scale, seed
        self.world = build_world(scale, seed, registry_path, plan_path)
        self.app = App(self.world)
        self.channel_web = ChannelWeb(self.world)
        self.slow_seconds = slow_seconds
        self._bind = bind
        self._as_of = parse_as_of(as_of)
        self._lock = threading.Lock()
        self._stats: list[dict] = []
        # a site that is down every night (the truth's "unreachable" case) starts down
        self._down: dict[str, str] = {h: "503" for h, why in UNREACHABLE.items() if why == "site-down"}
        self._counts: dict[str, int] = {}
        self._etags: dict[tuple, str] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._tls_dir = None
        self.ssl_context: ssl.SSLContext | None = None
        self.port: int | None = None

    # ---- lifecycle -------------------------------------------------------------------------------
    def start(self, port: int = 0) -> int:
        if self._server is not None:
            return self.port  # type: ignore[return-value]
        self.ssl_context, self._tls_dir = server_context(list(self.world.sites) + list(CHANNEL_HOSTS))
        handler = type("BoundHandler", (_Handler,), {"web": self})
        srv = _Server((self._bind, port), handler)
        self._server = srv
        self.port = srv.server_address[1]
        self._thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="demoweb", daemon=True)
        self._thread.start()
        return self.port

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)
        if self._tls_dir is not None:
            self._tls_dir.cleanup()
        self._server = self._thread = self._tls_dir = None

    def __enter__(self) -> DemoWeb:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def proxy_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def hosts(self) -> list[str]:
        return sorted(self.world.sites)

    # ---- control ---------------------------------------------------------------------------------
    @property
    def as_of(self) -> dt.date:
        return self._as_of

    def set_as_of(self, as_of: str | dt.date | None) -> None:
        """Switch to another night without restarting (pages are cached per night)."""
        self._as_of = parse_as_of(as_of)

    def set_site_down(self, host: str, down: bool = True, mode: str = "503") -> None:
        """Take a site down: mode "503" answers 503 to everything, "reset" drops connections unanswered."""
        if mode not in ("503", "reset"):
            raise ValueError(f"mode must be '503' or 'reset', got {mode!r}")
        with self._lock:
            if down:
                self._down[host.lower()] = mode
            else:
                self._down.pop(host.lower(), None)

    def stats(self) -> list[dict]:
        with self._lock:
            return [dict(s) for s in self._stats]

    def reset_stats(self) -> None:
        with self._lock:
            self._stats.clear()

    def truth(self) -> dict:
        return truth_of(self.world, self._as_of)

    # ---- used by the handler ---------------------------------------------------------------------
    def _record(self, host: str, path: str, method: str, status: int, nbytes: int, via: str) -> None:
        with self._lock:
            self._stats.append({"host": host, "path": path, "method": method, "status": status,
                                "bytes": nbytes, "via": via, "ts": time.time()})

    def _resolve(self, host: str) -> str | None:
        host = host.lower().rstrip(".")
        if host in self.world.sites:
            return host
        if host.startswith("www.") and host[4:] in self.world.sites:
            return host[4:]
        return None

    def _tick(self, host: str) -> int:
        with self._lock:
            n = self._counts.get(host, 0) + 1
            self._counts[host] = n
            return n

    def _etag(self, key: tuple, page: Page) -> str:
        tag = self._etags.get(key)
        if tag is None:
            tag = '"' + hashlib.sha1(page.body).hexdigest()[:24] + '"'
            with self._lock:
                if len(self._etags) > 50000:  # crawler traps make endless keys
                    self._etags.clear()
                self._etags[key] = tag
        return tag


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up mid-answer (e.g. a download cap) is normal here, not a traceback."""
        import sys
        exc = sys.exc_info()[1]
        if isinstance(exc, (OSError, ssl.SSLError)):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "demoweb/1.0"
    sys_version = ""
    web: DemoWeb
    tunnel_host: str | None = None
    _tls: ssl.SSLSocket | None = None

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
        pass

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            if self._tls is not None:
                try:
                    self._tls.close()
                except OSError:
                    pass

    # ---- CONNECT: terminate TLS, then serve the tunnel's requests by Host ----------------------
    def do_CONNECT(self) -> None:
        host = self.path.rsplit(":", 1)[0].strip("[]")
        site = self.web._resolve(host) or (host.lower() if self.web.channel_web.serves(host) else None)
        if site is None:
            self._plain(502, b"Bad Gateway: unknown host\n", host, "connect")
            self.close_connection = True
            return
        if self.web._down.get(site) == "reset":
            self.web._record(site, self.path, "CONNECT", 0, 0, "connect")
            self.close_connection = True
            return
        self.send_response(200, "Connection established")
        self.end_headers()
        self.wfile.flush()
        try:
            tls = self.web.ssl_context.wrap_socket(self.connection, server_side=True)  # type: ignore[union-attr]
        except (ssl.SSLError, OSError):
            self.close_connection = True
            return
        self._tls = tls
        self.connection = tls
        self.rfile = tls.makefile("rb", self.rbufsize)
        self.wfile = socketserver._SocketWriter(tls)  # type: ignore[attr-defined]
        self.tunnel_host = site
        self.close_connection = False

    def do_GET(self) -> None:
        self._serve("GET")

    def do_HEAD(self) -> None:
        self._serve("HEAD")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self._serve("POST")

    # ---- the request -----------------------------------------------------------------------------
    def _serve(self, method: str) -> None:
        web = self.web
        raw = self.path
        if raw.startswith(("http://", "https://")):
            parts = urlsplit(raw)
            via, host = "proxy", parts.hostname or ""
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        else:
            via = "connect" if self.tunnel_host else "direct"
            host = (self.headers.get("Host") or self.tunnel_host or "").rsplit(":", 1)[0]
            target = raw
        if host.lower() == CONTROL_HOST:
            return self._control(target)
        site = web._resolve(host)
        if site is None and web.channel_web.serves(host):  # the units' video channels (issue #21)
            return self._answer(host.lower(), target, method, via, web.channel_web.get(target, web.as_of))
        if site is None:
            status = 502 if via == "proxy" else 404
            return self._plain(status, b"Unknown host in the demo web\n", host.lower(), via, target, method)
        down = web._down.get(site)
        if down == "reset":
            web._record(site, target, method, 0, 0, via)
            self.close_connection = True
            try:
                self.connection.shutdown(2)
            except OSError:
                pass
            return
        if down == "503":
            return self._plain(503, b"Service Unavailable\n", site, via, target, method)
        n = web._tick(site)
        if site == SLOW_HOST and web.slow_seconds:
            time.sleep(web.slow_seconds)
        if site == FLAKY_HOST and n % 2 == 1 and not target.startswith("/robots.txt"):
            return self._plain(500, b"Internal Server Error\n", site, via, target, method)
        page = web.app.get(site, target, web.as_of)
        assert page is not None
        self._answer(site, target, method, via, page)

    def _answer(self, site: str, target: str, method: str, via: str, page: Page) -> None:
        """Send a page: with validators when it has them, 304 to a matching conditional request."""
        web = self.web
        as_of = web.as_of
        headers: list[tuple[str, str]] = [("Content-Type", page.content_type)]
        if page.conditional:
            etag = web._etag((site, target, as_of), page)
            lm = http_date(page.last_modified)  # type: ignore[arg-type]
            headers += [("ETag", etag), ("Last-Modified", lm), ("Cache-Control", "max-age=0, must-revalidate")]
            if self._not_modified(etag, page.last_modified):  # type: ignore[arg-type]
                web._record(site, target, method, 304, 0, via)  # before answering: no race with stats()
                self.send_response(304)
                for k, v in headers[1:]:
                    self.send_header(k, v)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        web._record(site, target, method, page.status, len(page.body), via)
        self._send(page.status, headers, page.body, method)

    def _not_modified(self, etag: str, last_modified: dt.datetime) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
            return "*" in tags or etag in tags
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                since = email.utils.parsedate_to_datetime(ims)
            except (TypeError, ValueError):
                return False
            if since.tzinfo is None:
                since = since.replace(tzinfo=dt.UTC)
            return last_modified.replace(microsecond=0) <= since
        return False

    def _send(self, status: int, headers: list[tuple[str, str]], body: bytes, method: str) -> None:
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if method != "HEAD":
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

    def _plain(self, status: int, body: bytes, host: str, via: str, target: str | None = None,
               method: str | None = None) -> None:
        self.web._record(host, target or self.path, method or self.command, status, len(body), via)
        self._send(status, [("Content-Type", "text/plain; charset=utf-8")], body, method or self.command)

    def _control(self, target: str) -> None:
        web = self.web
        parts = urlsplit(target)
        q = {k: v[0] for k, v in parse_qs(parts.query).items()}
        status, out = 200, None
        try:
            if parts.path == "/stats":
                out = web.stats()
            elif parts.path == "/reset-stats":
                web.reset_stats()
                out = {"ok": True}
            elif parts.path == "/as-of":
                if "date" in q:
                    web.set_as_of(q["date"])
                out = {"as_of": web.as_of.isoformat()}
            elif parts.path == "/down":
                web.set_site_down(q["host"], q.get("down", "1") not in ("0", "false"), q.get("mode", "503"))
                out = {"ok": True}
            elif parts.path == "/truth":
                out = web.truth()
            elif parts.path == "/hosts":
                out = web.hosts
            else:
                status, out = 404, {"error": f"unknown control path {parts.path}"}
        except (KeyError, ValueError) as e:
            status, out = 400, {"error": str(e)}
        body = json.dumps(out, ensure_ascii=False).encode("utf-8")
        self._send(status, [("Content-Type", "application/json; charset=utf-8")], body, self.command)
