"""Issue 17, item 5: each fix of the weekly summary, checked in its Markdown and HTML."""
from __future__ import annotations

import re

from pipeline.reports.common import vi_date, vi_number
from pipeline.reports.weekly import build_weekly, render_html, render_markdown


def _section(md: str, title: str) -> str:
    return md.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_first_section_is_what_to_do(con):
    s = build_weekly(con, "2022-W10")
    md = render_markdown(s)
    assert re.findall(r"^## (.+)$", md, re.M)[0] == "Việc cần làm"
    todo = _section(md, "Việc cần làm")
    assert "- Đôn đốc Huyện Lắk mở chuyên mục theo Kế hoạch" in todo          # a unit to call
    assert "- Đề nghị Sở Y tế cập nhật chuyên mục (bài gần nhất ngày" in todo   # a dormant column
    assert "- Kiểm tra nguồn thu thập của Huyện Lắk: trang không phản hồi kịp" in todo  # a source to fix
    html = render_html(s)
    assert html.index('id="viec-can-lam"') < html.index('id="tom-tat"')
    assert "Đôn đốc Huyện Lắk mở chuyên mục theo Kế hoạch" in html


def test_one_naming_rule_short_names_sorted_full_names_on_hover(con):
    s = build_weekly(con, "2021-W30")
    shown = s["heatmap"]["units"]
    from pipeline.reports.common import vi_sort_key
    assert shown == sorted(shown, key=vi_sort_key)  # the order follows the name shown
    assert vi_sort_key("Đài PT-TH") > vi_sort_key("Dự án") and vi_sort_key("Đài PT-TH") < vi_sort_key("Huyện Lắk")
    assert "Sở Thông tin và Truyền thông" in shown and "Sở Thông tin và Truyền thông tỉnh Đắk Lắk" not in shown
    md = render_markdown(s)
    assert "tỉnh Đắk Lắk" not in _section(md, "Đơn vị chưa mở chuyên mục")
    html = render_html(s)
    assert '<span class="unit" title="Ủy ban nhân dân huyện Lắk">Huyện Lắk</span>' in html


def test_lists_are_bulleted_never_comma_joined(con):
    con.execute("UPDATE units SET short_name = 'Sở A, B và C' WHERE unit_id = 'so-gddt'")
    s = build_weekly(con, "2021-W31")
    s["changes"]["units_started"] = ["Sở A, B và C", "Huyện Lắk"]
    md = render_markdown(s)
    changes = _section(md, "Thay đổi so với tuần trước")
    assert "- Đơn vị bắt đầu có bài:\n  - Sở A, B và C\n  - Huyện Lắk\n" in changes
    assert "Sở A, B và C, Huyện Lắk" not in md
    html = render_html(s)
    assert "<li>Sở A, B và C</li><li>Huyện Lắk</li>" in html


def test_heatmap_only_units_of_that_week_and_every_unit_named_in_changes(con):
    s = build_weekly(con, "2022-W10")
    assert "so-nnmt" not in s["heatmap"]["unit_ids"]  # formed in 2025
    named = set(s["changes"]["units_started"]) | set(s["changes"]["units_stopped"])
    assert named <= set(s["heatmap"]["units"])
    con.execute("UPDATE units SET valid_from = DATE '2021-01-01' WHERE unit_id = 'so-nnmt'")
    assert "so-nnmt" in build_weekly(con, "2022-W10")["heatmap"]["unit_ids"]  # required and existing: shown


def test_theme_counts_are_of_the_period_and_named(con):
    s21, s22 = build_weekly(con, "2021-W30"), build_weekly(con, "2022-W10")
    assert s21["totals"]["themes_in_plan"] == 13 and s22["totals"]["themes_in_plan"] == 4
    assert len(s22["heatmap"]["themes"]) == 4 and len(s22["trend"]["series"]) == 4
    md = render_markdown(s22)
    assert "- Số chủ đề của giai đoạn kế hoạch (Năm 2022 và các năm tiếp theo) được tuyên truyền trong tuần: " in md


def test_unreachable_units_are_listed_apart_with_the_reason(con):
    con.execute("""INSERT INTO source_health (source_id, unit_id, kind, url, status, consecutive_failures, last_error_kind)
                   VALUES ('kb', 'h-krong-buk', 'site', 'https://krongbuk.daklak.gov.vn/', 'dead', 7, 'http-503'),
                          ('eh', 'h-ea-hleo', 'site', 'https://eahleo.daklak.gov.vn/', 'disallowed', 3, 'robots-disallowed')""")
    s = build_weekly(con, "2022-W10")
    assert {r["unit_id"] for r in s["units_unreachable"]} >= {"h-krong-buk", "h-ea-hleo"}
    assert not {"h-krong-buk", "h-ea-hleo"} & {r["unit_id"] for r in s["units_missing"]}
    md = render_markdown(s)
    part = _section(md, "Đơn vị không truy cập được")
    assert "robots.txt" in part and "không phản hồi hoặc báo lỗi" in part
    assert "Krông Búk" not in _section(md, "Đơn vị chưa mở chuyên mục")
    problems = _section(md, "Nguồn thu thập bị lỗi")
    assert "trang báo lỗi 503 (máy chủ đang lỗi hoặc quá tải), 7 lần liên tiếp" in problems
    assert "http-503" not in md and "robots-disallowed" not in md
    con.execute("""INSERT INTO source_health (source_id, unit_id, kind, url, status, consecutive_failures, last_error_kind)
                   VALUES ('nb', 'so-tttt', 'column', 'https://stttt.daklak.gov.vn/noi-bo', 'disallowed', 2, 'robots-disallowed')""")
    todo = _section(render_markdown(build_weekly(con, "2022-W10")), "Việc cần làm")
    assert "Thông tin và Truyền thông" not in todo  # a section kept from crawlers is not a source to fix


def test_vietnamese_numbers_and_dates(con):
    assert (vi_number(1234), vi_number(1234567), vi_number(0), vi_number(-5)) == ("1.234", "1.234.567", "0", "-5")
    assert (vi_number(1234.5), vi_number(0.25), vi_number(3.0)) == ("1.234,5", "0,25", "3")
    import datetime as dt
    assert vi_date(dt.date(2021, 7, 5)) == "05/07/2021"
    con.execute("""INSERT INTO articles (article_id, url, unit_id, title, published_at)
                   SELECT 900000 + i, 'https://baodaklak.vn/x/' || i, 'bao-daklak', 'x', TIMESTAMPTZ '2022-03-08 10:00+07'
                   FROM range(1200) t(i)""")
    md = render_markdown(build_weekly(con, "2022-W10"))
    assert re.search(r"Số bài trong tuần: \d\.\d{3} ", md)
    assert "(07/03/2022 – 13/03/2022)" in md
