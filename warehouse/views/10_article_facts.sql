-- One row per article with its local (Vietnam) publication date and ISO week, so the weekly views
-- agree whatever the session time zone is. Vietnam has kept UTC+07:00 without daylight saving since
-- 1975, so the local date is plain integer arithmetic on the UTC instant (much faster than a
-- time-zone lookup per row). Articles with no date have NULL dates and week.
CREATE OR REPLACE VIEW article_facts AS
WITH d AS (
    SELECT a.*,
           DATE '1970-01-01' + CAST((epoch_us(a.published_at) + 25200000000) // 86400000000 AS INTEGER) AS published_date
    FROM articles a
)
SELECT
    d.article_id,
    d.unit_id,
    d.column_id,
    d.url,
    d.title,
    d.published_at,
    d.published_date,
    d.published_date - CAST(isodow(d.published_date) - 1 AS INTEGER) AS week_start,
    strftime(d.published_date, '%G-W%V') AS week,
    d.repost_of IS NOT NULL AS is_repost,
    coalesce(d.is_document, false) AS is_document  -- a document published as a page (007): a publication too
FROM d;
