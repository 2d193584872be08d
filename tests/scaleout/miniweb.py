"""A tiny multi-site web on 127.0.0.1 for the scale-out tests: one port per site, per-request latency,
and a log of every request (site, path, time) to count fetches and measure per-site rates."""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class MiniWeb:
    """`sites` sites, each: / -> `lists` listings -> `per_list` articles; every listing also links
    the first article of the next listing, so articles are discovered twice (the dupefilter's job)."""

    def __init__(self, sites: int = 3, lists: int = 3, per_list: int = 10, latency: float = 0.0):
        self.n_sites, self.lists, self.per_list, self.latency = sites, lists, per_list, latency
        self.log: list[tuple[str, str, float]] = []
        self._lock = threading.Lock()
        self.servers: list[ThreadingHTTPServer] = []
        self.threads: list[threading.Thread] = []

    def _handler(self):  # type: ignore[no-untyped-def]
        web = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *a):  # type: ignore[no-untyped-def]
                pass

            def do_GET(self) -> None:  # noqa: N802
                site = f"127.0.0.1:{self.server.server_address[1]}"
                with web._lock:
                    web.log.append((site, self.path, time.time()))
                if web.latency:
                    time.sleep(web.latency)
                body = web.page(self.path)
                if body is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
        return H

    def page(self, path: str) -> str | None:
        if path == "/":
            links = "".join(f'<a href="/list/{k}">list {k}</a>' for k in range(self.lists))
            return f"<html><body>{links}</body></html>"
        if path.startswith("/list/"):
            k = int(path.rsplit("/", 1)[1])
            if k >= self.lists:
                return None
            arts = [f"/a/{k}-{i}" for i in range(self.per_list)]
            if k + 1 < self.lists:
                arts.append(f"/a/{k + 1}-0")
            return "<html><body>" + "".join(f'<a href="{a}">{a}</a>' for a in arts) + "</body></html>"
        if path.startswith("/a/"):
            return f"<html><head><title>article {path}</title></head><body><p>text of {path}</p></body></html>"
        return None

    def start(self) -> MiniWeb:
        for _ in range(self.n_sites):
            srv = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
            srv.daemon_threads = True
            t = threading.Thread(target=srv.serve_forever, daemon=True)
            t.start()
            self.servers.append(srv)
            self.threads.append(t)
        return self

    def stop(self) -> None:
        for s in self.servers:
            s.shutdown()
            s.server_close()

    @property
    def roots(self) -> list[str]:
        return [f"http://127.0.0.1:{s.server_address[1]}/" for s in self.servers]

    def all_articles(self) -> set[str]:
        return {f"{r.rstrip('/')}/a/{k}-{i}" for r in self.roots for k in range(self.lists) for i in range(self.per_list)}

    def fetches(self) -> list[tuple[str, str, float]]:
        with self._lock:
            return list(self.log)
