"""Near-duplicate fingerprints and model-free language detection."""
from __future__ import annotations

from nlp.dedup import NEAR_DUP_BITS, content_hash, hamming, simhash
from nlp.extract import extract_page
from nlp.lang import detect_lang

STORY = ("Sáng 17/6, Ủy ban nhân dân tỉnh tổ chức hội nghị triển khai kế hoạch tuyên truyền nghị quyết đại hội "
         "Đảng bộ tỉnh lần thứ XVII, nhiệm kỳ 2020 - 2025 tới toàn thể cán bộ, đảng viên và nhân dân. Hội nghị "
         "được kết nối trực tuyến tới 15 huyện, thị xã, thành phố với hơn 2.000 đại biểu tham dự. Phát biểu chỉ "
         "đạo, đồng chí Phó Chủ tịch tỉnh đề nghị các địa phương đa dạng hóa hình thức tuyên truyền, chú trọng "
         "vùng đồng bào dân tộc thiểu số và tăng cường tuyên truyền trên môi trường mạng.")
OTHER = ("Chiều 20/6, Hội Nông dân huyện tổ chức lớp tập huấn kỹ thuật trồng và chăm sóc cây sầu riêng cho hơn 80 "
         "hội viên. Các kỹ sư nông nghiệp đã hướng dẫn cách bón phân hữu cơ, tưới nước tiết kiệm và phòng trừ sâu "
         "bệnh hại theo hướng an toàn, giúp bà con nâng cao năng suất và giá trị sản phẩm trong vụ mùa tới.")


def test_repost_with_new_header_and_footer_is_near() -> None:
    repost = "Theo Cổng TTĐT tỉnh. " + STORY + " Nguồn: Ban Tuyên giáo."
    assert hamming(simhash(STORY), simhash(repost)) <= NEAR_DUP_BITS


def test_unrelated_stories_are_far() -> None:
    assert hamming(simhash(STORY), simhash(OTHER)) > 3 * NEAR_DUP_BITS


def test_content_hash_ignores_spacing_case_punctuation() -> None:
    assert content_hash(STORY) == content_hash("  " + STORY.upper().replace(",", " ,") + "\n")
    assert content_hash(STORY) != content_hash(OTHER)


def test_simhash_fits_ubigint() -> None:
    assert 0 <= simhash(STORY) < 2 ** 64


def test_lang() -> None:
    assert detect_lang(STORY) == "vi"
    assert detect_lang("The Department of Information and Communications is the agency of the city people's "
                       "committee in charge of the press and publishing.") == "en"
    assert detect_lang("ok") == "und"


def test_english_portal_page_is_flagged_not_counted() -> None:
    html = ("<html><head><meta charset='utf-8'><title>News</title></head><body><h1>Provincial leaders meet "
            "investors</h1><div class='date'>17/06/2021 08:30</div><div class='detail-content'>"
            + "".join(f"<p>On June {d}, the provincial People's Committee held a conference with investors to "
                      "discuss the development of renewable energy projects and the business climate.</p>"
                      for d in (15, 16, 17))
            + "</div></body></html>")
    res = extract_page(html, "https://daklak.example.gov.vn/en/news/1.html")
    assert res.lang == "en" and res.kind == "not-vietnamese" and not res.is_article


def test_loose_band_needs_shingle_overlap() -> None:
    from nlp.dedup import LOOSE_DUP_BITS, MIN_JACCARD, jaccard
    edited = STORY.replace("Sáng 17/6", "Sáng thứ Năm 17/6").replace("2.000", "hai nghìn") + " Tin: Hồng Nhung."
    assert hamming(simhash(STORY), simhash(edited)) <= LOOSE_DUP_BITS
    assert jaccard(STORY, edited) >= MIN_JACCARD
    assert jaccard(STORY, OTHER) < 0.05


def test_trailing_byline_becomes_author_but_source_credit_stays() -> None:
    from nlp.extract import _split_byline
    assert _split_byline(["Nội dung.", "Tin, ảnh: P.Y"]) == (["Nội dung."], "P.Y")
    assert _split_byline(["Nội dung.", "Lê Phương"]) == (["Nội dung."], "Lê Phương")
    assert _split_byline(["Nội dung.", "Theo Cổng TTĐT tỉnh"])[1] is None
    assert _split_byline(["Nội dung.", "Ảnh minh họa"])[1] is None
