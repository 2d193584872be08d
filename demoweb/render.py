"""HTML, RSS, sitemap and robots.txt for the three CMS families, modelled on real provincial sites.

- liferay: government portal (table layout, `p_p_id` portlets, asset-publisher listings with
  "Ngày đăng dd/mm/yyyy | hh:mm AM", `_101_cur=N` pagination, `<title>` = portal name);
- paper: provincial-paper news CMS (category pages, sapo, author, "Thứ Năm, 17/06/2021 08:30",
  rel=canonical, JSON-LD NewsArticle on some sites);
- wp: a WordPress-like district site (`/category/slug/page/2/`, `<time datetime>`).
Every string that came from data is HTML-escaped here, once.
"""
from __future__ import annotations

import datetime as dt
import json
import random
from html import escape
from xml.sax.saxutils import escape as xesc

from demoweb import text
from demoweb.world import CAL_TRAP_HOST, LANG_TRAP_HOST, Article, Category, Site

PER_PAGE = 10
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")


# ---- dates, in the styles seen on real sites -----------------------------------------------------
def d_liferay(t: dt.datetime) -> str:
    h = t.hour % 12 or 12
    return f"Ngày đăng {t:%d/%m/%Y} | {h:02d}:{t:%M} {'AM' if t.hour < 12 else 'PM'}"


def d_paper_list(t: dt.datetime) -> str:
    return f"{t:%d/%m/%Y} - {t:%H:%M}"


def d_paper_article(t: dt.datetime) -> str:
    return f"{WEEKDAYS[t.weekday()]}, {t:%d/%m/%Y %H:%M}"


def d_long(t: dt.datetime, with_time: bool) -> str:
    s = f"ngày {t.day} tháng {t.month} năm {t.year}"
    return f"Cập nhật lúc {t:%H:%M} {s}" if with_time else "N" + s[1:]


def http_date(t: dt.datetime) -> str:
    u = t.astimezone(dt.UTC)
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    return f"{days[u.weekday()]}, {u.day:02d} {months[u.month - 1]} {u.year} {u:%H:%M:%S} GMT"


# ---- article text ------------------------------------------------------------------------------
def article_text(site: Site, a: Article) -> text.Text:
    rng = random.Random(a.text_key)
    home = None if a.repost_of else text.home_place(site.short, site.kind)
    title, slots = text.title_for(rng, list(a.topics), _origin_short(a, site), a.published.year,
                                  a.published.strftime("%d/%m/%Y"), home)
    sapo, paras, author = text.body_for(rng, list(a.topics), slots)
    return text.Text(a.title, sapo, paras, author)


def _origin_short(a: Article, site: Site) -> str:
    return "Cổng TTĐT tỉnh" if a.repost_of else text.unit_label(site.short, site.kind)


# ---- shared pieces -----------------------------------------------------------------------------
def _menu_items(site: Site, as_of: dt.date) -> list[tuple[str, str, Category]]:
    out = []
    for c in site.categories:
        if c.is_column and c.opened and c.opened > as_of:
            continue
        out.append((site.category_path(c.slug), c.name, c))
    return out


def _head(site: Site, title: str, canonical: str | None = None, extra: str = "") -> str:
    parts = ['<!DOCTYPE html>', '<html lang="vi">', '<head>', '<meta charset="utf-8">',
             f"<title>{escape(title)}</title>"]
    if site.feed_path:
        parts.append(f'<link rel="alternate" type="application/rss+xml" title="{escape(site.name)}" href="{site.feed_path}">')
    if canonical:
        parts.append(f'<link rel="canonical" href="{escape(canonical)}">')
    parts.append(extra)
    parts.append("</head>")
    return "\n".join(parts)


def _pager(site: Site, slug: str, page: int, pages: int) -> str:
    if pages <= 1:
        return ""
    links = []
    if page > 1:
        links.append(f'<a href="{escape(site.category_path(slug, page - 1))}" class="prev">« Trước</a>')
    for p in range(1, pages + 1):
        if p == page:
            links.append(f'<span class="current">{p}</span>')
        else:
            links.append(f'<a href="{escape(site.category_path(slug, p))}">{p}</a>')
    if page < pages:
        links.append(f'<a href="{escape(site.category_path(slug, page + 1))}" class="next">Tiếp »</a>')
    cls = {"liferay": "pager lfr-pagination-buttons", "paper": "pagination", "wp": "nav-links"}[site.family]
    return f'<div class="{cls}">' + " ".join(links) + "</div>"


def _lang_links(site: Site, path: str) -> str:
    if site.host != LANG_TRAP_HOST:
        return ""
    base = path.split("?")[0].rstrip("/")
    return (f'<div class="language"><a href="{escape(base)}/vi" hreflang="vi">Tiếng Việt</a> | '
            f'<a href="{escape(base)}/en" hreflang="en">English</a></div>')


def _footer(site: Site) -> str:
    return (f'<div id="footer"><p><strong>{escape(site.name.upper())}</strong></p>'
            f"<p>Cơ quan chủ quản: {escape(site.name)}. Địa chỉ: Buôn Ma Thuột, Đắk Lắk.</p>"
            f"<p>Ghi rõ nguồn khi phát hành lại thông tin từ trang này.</p></div>")


# ---- layouts per family ------------------------------------------------------------------------
def _page(site: Site, as_of: dt.date, title: str, main: str, path: str, canonical: str | None = None,
          head_extra: str = "") -> str:
    menu = _menu_items(site, as_of)
    extra_nav = ""
    if site.host == CAL_TRAP_HOST:
        extra_nav = '<li><a href="/lich-cong-tac?month=2022-12">Lịch công tác</a></li>'
    if site.family == "liferay":
        column = next(((h, n) for h, n, c in menu if c.is_column), None)
        plain = [(h, n) for h, n, c in menu if not c.is_column]
        sub = ""
        if column:  # the dedicated column sits in a sub-menu under the news item
            sub = f'<ul class="child-menu"><li><a href="{escape(column[0])}">{escape(column[1])}</a></li></ul>'
        items = ['<li class="lfr-nav-item"><a href="/">Trang chủ</a></li>']
        for i, (h, n) in enumerate(plain):
            items.append(f'<li class="lfr-nav-item"><a href="{escape(h)}"><span>{escape(n)}</span></a>{sub if i == 0 else ""}</li>')
        left = ""
        if column:
            left = (f'<div class="portlet-boundary" id="p_p_id_73_INSTANCE_chuyenmuc_"><h2 class="portlet-title">Chuyên mục</h2>'
                    f'<ul><li><a href="{escape(column[0])}">{escape(column[1])}</a></li></ul></div>')
        return (_head(site, site.name, canonical, head_extra) +
                f'\n<body class="yui3-skin-sam controls-visible guest-site signed-out public-page site">'
                f'<div id="wrapper"><header id="banner"><h1 class="site-title">{escape(site.name)}</h1>{_lang_links(site, path)}</header>'
                f'<nav class="sort-pages modify-pages" id="navigation"><ul aria-label="Site Pages" role="menubar">{"".join(items)}{extra_nav}</ul></nav>'
                f'<div id="content"><table class="portlet-layout" width="100%"><tr>'
                f'<td class="portlet-column portlet-column-first" id="column-1" width="25%">{left}</td>'
                f'<td class="portlet-column" id="column-2" width="75%"><div class="portlet-boundary portlet-boundary_101_" id="p_p_id_101_">'
                f'<section class="portlet"><h2 class="portlet-title">{escape(title)}</h2>'
                f'<div class="portlet-content">{main}</div></section></div></td></tr></table></div>'
                f"{_footer(site)}</div></body></html>")
    items = "".join(f'<li><a href="{escape(h)}">{escape(n)}</a></li>' for h, n, _ in menu)
    if site.family == "paper":
        return (_head(site, f"{title} | {site.name}" if title != site.name else site.name, canonical, head_extra) +
                f'\n<body><header class="header"><a class="logo" href="/">{escape(site.name)}</a>'
                f'<nav class="main-menu"><ul><li><a href="/">Trang chủ</a></li>{items}{extra_nav}</ul></nav></header>'
                f'<main class="main">{main}</main>{_footer(site)}</body></html>')
    return (_head(site, f"{title} – {site.name}" if title != site.name else site.name, canonical, head_extra) +
            f'\n<body class="home blog"><div id="page" class="site"><header id="masthead" class="site-header">'
            f'<p class="site-title"><a href="/" rel="home">{escape(site.name)}</a></p>'
            f'<nav id="site-navigation" class="main-navigation"><ul id="primary-menu" class="menu">'
            f'<li class="menu-item"><a href="/">Trang chủ</a></li>{items}{extra_nav}</ul></nav></header>'
            f'<div id="content" class="site-content"><main id="main" class="site-main">{main}</main></div>'
            f"{_footer(site)}</div></body></html>")


def _teaser(site: Site, a: Article, sapo: str | None) -> str:
    href = escape(a.path)
    t = escape(a.title)
    if site.family == "liferay":
        return (f'<div class="asset-abstract"><div class="asset-content normal-news"><h3 class="asset-title">'
                f'<a href="{href}">{t}</a></h3><div class="assetPublishDate block_timer"> {d_liferay(a.published)} '
                f'&nbsp;|&nbsp;Lượt xem: {100 + a.art_id % 900} </div></div></div>')
    if site.family == "paper":
        s = f'<p class="story__sapo">{escape(sapo)}</p>' if sapo else ""
        return (f'<article class="story"><h3 class="story__title"><a href="{href}">{t}</a></h3>'
                f'<time class="story__time">{d_paper_list(a.published)}</time>{s}</article>')
    return (f'<article class="post type-post"><header class="entry-header"><h2 class="entry-title">'
            f'<a href="{href}" rel="bookmark">{t}</a></h2><div class="entry-meta">'
            f'<time class="entry-date published" datetime="{a.published.isoformat()}">'
            f'{d_long(a.published, site.date_style == 1)}</time></div></header></article>')


def _sapo(site: Site, a: Article) -> str | None:
    if site.family != "paper" or a.fault in ("empty-body-pdf",):
        return None
    return article_text(site, a).sapo


def home(site: Site, arts: list[Article], as_of: dt.date) -> str:
    latest = "".join(_teaser(site, a, _sapo(site, a)) for a in arts[:12])
    blocks = [f'<section class="latest"><h2>Tin mới nhất</h2>{latest}</section>']
    for h, n, c in _menu_items(site, as_of):
        in_cat = [a for a in arts if a.category == c.slug][:3]
        if not in_cat:
            continue
        lis = "".join(f'<li><a href="{escape(a.path)}">{escape(a.title)}</a></li>' for a in in_cat)
        blocks.append(f'<section class="cat-box"><h2><a href="{escape(h)}">{escape(n)}</a></h2><ul>{lis}</ul></section>')
    return _page(site, as_of, site.name, "".join(blocks), "/", f"https://{site.host}/")


def category(site: Site, cat: Category, page: int, arts: list[Article], as_of: dt.date, path: str) -> str | None:
    in_cat = [a for a in arts if a.category == cat.slug]
    pages = max(1, -(-len(in_cat) // PER_PAGE))
    if page < 1 or page > pages:
        return None
    chunk = in_cat[(page - 1) * PER_PAGE: page * PER_PAGE]
    body = "".join(_teaser(site, a, _sapo(site, a)) for a in chunk) or '<p class="empty">Chưa có tin bài.</p>'
    if site.family == "liferay":
        body = f'<div class="asset-publisher">{body}</div>'
    main = f'<h1 class="category-title">{escape(cat.name)}</h1>{body}{_pager(site, cat.slug, page, pages)}'
    return _page(site, as_of, cat.name, main, path, f"https://{site.host}{site.category_path(cat.slug, page)}")


PDF_BYTES = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
             b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def pdf_bytes(site: Site, a: Article) -> bytes:
    """The decision as a PDF with a text layer (as a portal's office software exports it)."""
    from demoweb.pdf import text_pdf
    d = a.published
    lines = [site.name.upper(), "", a.title, "", f"Đắk Lắk, ngày {d.day} tháng {d.month} năm {d.year}", "",
             "QUYẾT ĐỊNH", "Về việc ban hành Quy chế làm việc của cơ quan", "",
             "Điều 1. Ban hành kèm theo Quyết định này Quy chế làm việc của cơ quan.",
             "Điều 2. Quyết định có hiệu lực kể từ ngày ký.",
             "Điều 3. Chánh Văn phòng, Trưởng các phòng chuyên môn chịu trách nhiệm thi hành Quyết định này.",
             "", "GIÁM ĐỐC"]
    return text_pdf([lines])


def pdf_path(a: Article) -> str:
    return f"/documents/{a.art_id}/quyet-dinh-{a.art_id}.pdf"


def _filler(a: Article, size: int) -> str:
    """A pasted base64 image, as editors paste from Word: big bytes, no extra text."""
    import base64
    rng = random.Random(f"filler:{a.text_key}")
    raw = rng.randbytes(size * 3 // 4)
    return f'<p><img alt="" src="data:image/png;base64,{base64.b64encode(raw).decode()}"></p>'


def article(site: Site, a: Article, arts: list[Article], as_of: dt.date) -> str:
    t = article_text(site, a)
    ttl = escape(a.title)
    if a.fault == "empty-body-pdf":
        body = f'<p><a href="{pdf_path(a)}">Tải về văn bản (PDF)</a></p>'
        sapo, author = "", ""
    else:
        body = "".join(f"<p>{escape(p)}</p>" for p in t.paragraphs)
        sapo, author = t.sapo, t.author
        if a.repost_of:
            body += f'<p class="source"><em>{text.REPOST_CREDIT}</em> (<a href="{escape(a.repost_of)}">nguồn</a>)</p>'
        if a.fault == "huge-page":
            body += _filler(a, 3_200_000)
        elif a.fault == "oversized-page":
            body += _filler(a, 9_200_000)
    related = [b for b in arts if b.category == a.category and b.published < a.published][:5]
    rel = "".join(f'<li><a href="{escape(b.path)}">{escape(b.title)}</a></li>' for b in related)
    rel_html = f'<div class="related"><h3>Tin khác</h3><ul>{rel}</ul></div>' if rel else ""
    canonical = a.url
    extra = ""
    if site.family == "liferay":
        main = (f'<div class="journal-content-article"><h1 class="header-title">{ttl}</h1>'
                f'<div class="assetPublishDate block_timer">{d_liferay(a.published)}</div>'
                f'<div class="sapo"><strong>{escape(sapo)}</strong></div>{body}'
                f'<p class="author" style="text-align:right"><strong>{escape(author)}</strong></p></div>{rel_html}')
        cat = site.category(a.category)  # the portlet header names the category, as Liferay does
        return _page(site, as_of, cat.name if cat else site.name, main, a.path, canonical)
    if site.family == "paper":
        if site.unit_id == "bao-daklak":
            ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": a.title,
                  "datePublished": a.published.isoformat(), "author": {"@type": "Person", "name": author},
                  "publisher": {"@type": "Organization", "name": site.name}, "mainEntityOfPage": a.url}
            extra = ('<script type="application/ld+json">' +
                     json.dumps(ld, ensure_ascii=False).replace("</", "<\\/") + "</script>")
        date = d_long(a.published, True) if site.date_style == 1 else d_paper_article(a.published)
        main = (f'<article class="article"><h1 class="article__title cms-title">{ttl}</h1>'
                f'<div class="article__meta"><span class="article__author">{escape(author)}</span> '
                f'<time class="article__date" datetime="{a.published.isoformat()}">{date}</time></div>'
                f'<div class="article__sapo cms-desc">{escape(sapo)}</div>'
                f'<div class="article__body cms-body">{body}</div></article>{rel_html}')
        return _page(site, as_of, a.title, main, a.path, canonical, extra)
    main = (f'<article class="post type-post single"><header class="entry-header"><h1 class="entry-title">{ttl}</h1>'
            f'<div class="entry-meta"><time class="entry-date published" datetime="{a.published.isoformat()}">'
            f'{d_long(a.published, site.date_style == 1)}</time> <span class="byline">{escape(author)}</span></div></header>'
            f'<div class="entry-content"><p><strong>{escape(sapo)}</strong></p>{body}</div></article>{rel_html}')
    return _page(site, as_of, a.title, main, a.path, canonical)


def calendar(site: Site, year: int, month: int, as_of: dt.date) -> str:
    """An endless work calendar: every month links to the months around it (a crawler trap)."""
    prev = (year - 1, 12) if month == 1 else (year, month - 1)
    nxt = (year + 1, 1) if month == 12 else (year, month + 1)
    main = (f'<h1>Lịch công tác tháng {month}/{year}</h1><table class="calendar"><tr><td>Chưa có lịch công tác.</td></tr></table>'
            f'<p><a href="/lich-cong-tac?month={prev[0]:04d}-{prev[1]:02d}">« Tháng trước</a> | '
            f'<a href="/lich-cong-tac?month={nxt[0]:04d}-{nxt[1]:02d}">Tháng sau »</a></p>')
    return _page(site, as_of, "Lịch công tác", main, "/lich-cong-tac")


def feed(site: Site, arts: list[Article], broken: bool = False) -> str:
    items = []
    for a in arts[:20]:
        desc = "" if a.fault == "empty-body-pdf" else article_text(site, a).sapo
        items.append(f"<item><title>{xesc(a.title)}</title><link>{xesc(a.url)}</link>"
                     f"<guid isPermaLink=\"true\">{xesc(a.url)}</guid><pubDate>{http_date(a.published)}</pubDate>"
                     f"<description>{xesc(desc)}</description></item>")
    last = http_date(arts[0].published) if arts else ""
    out = ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
           f"<title>{xesc(site.name)}</title><link>https://{site.host}/</link>"
           f"<description>Tin mới - {xesc(site.name)}</description><language>vi</language>"
           f"<lastBuildDate>{last}</lastBuildDate>{''.join(items)}</channel></rss>\n")
    if broken:  # a CMS plug-in that forgets to escape and cuts the output short
        out = out.replace("&amp;", "&").replace("</channel></rss>", "<item><title>Tin & sự kiện <b>mới</title>")
    return out


def sitemap(site: Site, arts: list[Article], as_of: dt.date) -> str:
    rows = []
    for _h, _n, c in _menu_items(site, as_of):
        in_cat = [a for a in arts if a.category == c.slug]
        if in_cat and not c.disallowed:
            rows.append(f"<url><loc>https://{site.host}{xesc(site.category_path(c.slug))}</loc>"
                        f"<lastmod>{in_cat[0].published.isoformat()}</lastmod></url>")
    for a in arts:
        if a.robots_allowed:
            rows.append(f"<url><loc>{xesc(a.url)}</loc><lastmod>{a.published.isoformat()}</lastmod></url>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + "".join(rows) + "</urlset>\n")


def robots(site: Site) -> str:
    if site.unreachable == "robots-refused":  # refuses every crawler (a sitemap may still be named)
        lines = ["User-agent: *", "Disallow: /"]
        if site.sitemap_path:
            lines.append(f"Sitemap: https://{site.host}{site.sitemap_path}")
        return "\n".join(lines) + "\n"
    lines = ["User-agent: *", "Disallow: /search", "Disallow: /tim-kiem"]
    if site.family == "liferay":
        lines += ["Disallow: /c/portal/login", "Disallow: /web/guest/dang-nhap"]
    if site.family == "wp":
        lines += ["Disallow: /wp-admin/", "Allow: /wp-admin/admin-ajax.php"]
    for c in site.categories:
        if c.disallowed:
            lines.append(f"Disallow: {site.category_path(c.slug)}")
    if site.sitemap_path:
        lines.append(f"Sitemap: https://{site.host}{site.sitemap_path}")
    return "\n".join(lines) + "\n"


def not_found(site: Site | None) -> str:
    return ('<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>404 - Không tìm thấy trang</title></head>'
            '<body><h1>Không tìm thấy trang yêu cầu</h1><p><a href="/">Về trang chủ</a></p></body></html>')
