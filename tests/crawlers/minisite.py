"""A tiny multi-site web behind an HTTP proxy on 127.0.0.1, for crawler tests that need no demo web.

The server answers absolute-form proxy requests (`GET http://host/path`) for the hosts it knows, keeps
a log of every request, and honours If-None-Match / If-Modified-Since (ETag = hash of the body).
Sites are plain data (`MiniSite`), so a test can add an article and crawl "the next night".
"""
from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from email.utils import formatdate
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PER_PAGE = 5


@dataclass
class MiniSite:
    host: str
    categories: dict[str, str]                         # slug -> name
    articles: list[tuple[str, str, str]] = field(default_factory=list)  # (slug-id, category, title), newest first
    feed: bool = True
    sitemap: bool = False
    disallow: tuple[str, ...] = ()
    down: bool = False
    redirects: dict[str, str] = field(default_factory=dict)   # path -> path (301)
    extra_nav: dict[str, str] = field(default_factory=dict)   # href -> name, added to the menu
    home_links: tuple[str, ...] = ()                          # extra hrefs in the home page content
    hidden: tuple[str, ...] = ()                              # categories left out of the menu
    fail_once: set[str] = field(default_factory=set)          # paths whose next request answers 500
    lastmod: str | None = None                                # the sitemap's <lastmod> of every entry

    def add(self, n: int, category: str, title: str) -> str:
        path = f"tin-bai-so-{n}-{category}-{n * 1000 + 7}"
        self.articles.insert(0, (path, category, title))
        return f"https://{self.host}/{category}/{path}.html"

    def page(self, path: str, query: dict) -> tuple[int, str, str]:
        nav = "".join(f'<li><a href="/{s}/">{escape(n)}</a></li>' for s, n in self.categories.items()
                      if s not in self.hidden)
        nav += "".join(f'<li><a href="{h}">{escape(n)}</a></li>' for h, n in self.extra_nav.items())
        head = '<head><meta charset="utf-8">'
        if self.feed:
            head += '<link rel="alternate" type="application/rss+xml" href="/rss.xml">'
        head += "</head>"
        shell = f'<html>{head}<body><nav class="menu"><ul><li><a href="/">Trang chủ</a></li>{nav}</ul></nav><main>{{}}</main></body></html>'
        if path == "/robots.txt":
            lines = ["User-agent: *"] + [f"Disallow: {d}" for d in self.disallow]
            if self.sitemap:
                lines.append(f"Sitemap: http://{self.host}/sitemap.xml")
            return 200, "text/plain", "\n".join(lines) + "\n"
        if path == "/rss.xml" and self.feed:
            items = "".join(f"<item><title>{escape(t)}</title><link>http://{self.host}/{c}/{p}.html?utm_source=rss</link></item>"
                            for p, c, t in self.articles[:3])
            return 200, "application/rss+xml", f'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>{items}</channel></rss>'
        if path == "/sitemap.xml" and self.sitemap:
            mod = f"<lastmod>{self.lastmod}</lastmod>" if self.lastmod else ""
            urls = "".join(f"<url><loc>http://{self.host}/{c}/{p}.html</loc>{mod}</url>" for p, c, _ in self.articles)
            return 200, "application/xml", f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
        if path == "/":
            latest = "".join(f'<h3><a href="/{c}/{p}.html">{escape(t)}</a></h3>' for p, c, t in self.articles[:2])
            latest += "".join(f'<p><a href="{h}">{escape(h)}</a></p>' for h in self.home_links)
            return 200, "text/html; charset=utf-8", shell.format(latest)
        parts = [x for x in path.split("/") if x]
        if len(parts) == 1 and parts[0] in self.categories:
            items = [a for a in self.articles if a[1] == parts[0]]
            page = int((query.get("page") or ["1"])[0])
            chunk = items[(page - 1) * PER_PAGE: page * PER_PAGE]
            if not chunk and page > 1:
                return 404, "text/html", "<html>404</html>"
            body = f"<h1>{escape(self.categories[parts[0]])}</h1>" + "".join(
                f'<h3><a href="/{c}/{p}.html">{escape(t)}</a></h3>' for p, c, t in chunk)
            if page * PER_PAGE < len(items):
                body += f'<div class="pager"><a href="/{parts[0]}/?page={page + 1}">{page + 1}</a></div>'
            return 200, "text/html; charset=utf-8", shell.format(body)
        if len(parts) == 2 and parts[1].endswith(".html"):
            for p, c, t in self.articles:
                if c == parts[0] and p == parts[1][:-5]:
                    canon = f'<link rel="canonical" href="http://{self.host}/{c}/{p}.html">'
                    return 200, "text/html; charset=utf-8", (f"<html><head>{canon}</head><body><h1>{escape(t)}</h1>"
                                                             f"<p>Nội dung bài {escape(t)}.</p></body></html>")
        return 404, "text/html", "<html>404</html>"


class MiniWeb:
    def __init__(self, sites: list[MiniSite]):
        self.sites = {s.host: s for s in sites}
        self.log: list[dict] = []
        self._lock = threading.Lock()
        web = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                u = urlsplit(self.path)
                host = (u.hostname or self.headers.get("Host", "").split(":")[0]).lower()
                site = web.sites.get(host)
                with web._lock:
                    web.log.append(dict(host=host, path=u.path or "/", query=u.query, method="GET",
                                        inm=self.headers.get("If-None-Match"),
                                        ua=self.headers.get("User-Agent", "")))
                if site is None or site.down:
                    self.send_response(503 if site is not None else 502)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if (u.path or "/") in site.fail_once:
                    site.fail_once.discard(u.path or "/")
                    web.log[-1]["status"] = 500
                    self.send_response(500)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if (u.path or "/") in site.redirects:
                    web.log[-1]["status"] = 301
                    self.send_response(301)
                    self.send_header("Location", site.redirects[u.path or "/"])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                status, ctype, text = site.page(u.path or "/", parse_qs(u.query))
                body = text.encode("utf-8")
                etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                if status == 200 and self.headers.get("If-None-Match") == etag:
                    web.log[-1]["status"] = 304
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                web.log[-1]["status"] = status
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                if status == 200:
                    self.send_header("ETag", etag)
                    self.send_header("Last-Modified", formatdate(usegmt=True))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> str:
        self.thread.start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        with self._lock:
            self.log.clear()
