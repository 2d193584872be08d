-- One row per article with its local (Asia/Ho_Chi_Minh) publication date and ISO week, so the
-- weekly views agree whatever the session time zone is. Articles with no date have NULL week.
CREATE OR REPLACE VIEW article_facts AS
SELECT
    a.article_id,
    a.unit_id,
    a.column_id,
    a.url,
    a.title,
    a.published_at,
    CAST(a.published_at AT TIME ZONE 'Asia/Ho_Chi_Minh' AS DATE) AS published_date,
    CAST(date_trunc('week', CAST(a.published_at AT TIME ZONE 'Asia/Ho_Chi_Minh' AS DATE)) AS DATE) AS week_start,
    strftime(CAST(a.published_at AT TIME ZONE 'Asia/Ho_Chi_Minh' AS DATE), '%G-W%V') AS week,
    a.repost_of IS NOT NULL AS is_repost
FROM articles a;
