-- Per unit, as of a reference date: its dedicated column (the one with most articles if several),
-- how fed it is, and a status. Only articles published on or before the date count, and a column
-- counts from the day it was first seen or from its oldest article, whichever is earlier, so a report
-- for 30/11/2021 written in 2023 sees the web as it stood on 30/11/2021.
-- `column_status_at(DATE)` is the table macro the reports call with their own date (they open the
-- warehouse read-only); the view `column_status` is the same at the warehouse's reference date.
CREATE OR REPLACE MACRO column_status_at(ref) AS TABLE
WITH p AS (SELECT CAST(ref AS DATE) AS as_of, (SELECT dormant_days FROM report_params) AS dormant_days),
dedicated AS (
    SELECT c.column_id, c.unit_id, c.url, c.name, c.first_seen, c.last_seen,
           count(f.article_id) AS column_articles,
           count(f.article_id) FILTER (WHERE f.is_document) AS column_documents,
           max(f.published_at) AS last_article_at,
           max(f.published_date) AS last_article_date,
           min(f.published_date) AS first_article_date,
           count(f.article_id) FILTER (WHERE f.published_date > p.as_of - 30) AS articles_30d,
           count(f.article_id) FILTER (WHERE f.published_date > p.as_of - 90) AS articles_90d
    FROM unit_columns c
    CROSS JOIN p
    LEFT JOIN article_facts f ON f.column_id = c.column_id AND f.published_date <= p.as_of
    WHERE c.is_dedicated
    GROUP BY ALL
),
visible AS (   -- first_seen's Vietnam date (UTC+07:00, as article_facts), whatever the session's zone
    SELECT d.*, least(DATE '1970-01-01' + CAST((epoch_us(d.first_seen) + 25200000000) // 86400000000 AS INTEGER),
                      d.first_article_date) AS known_since
    FROM dedicated d CROSS JOIN p
    WHERE least(DATE '1970-01-01' + CAST((epoch_us(d.first_seen) + 25200000000) // 86400000000 AS INTEGER),
                d.first_article_date) <= p.as_of
),
picked AS (
    SELECT *, row_number() OVER (PARTITION BY unit_id
                                 ORDER BY column_articles DESC, last_article_at DESC NULLS LAST,
                                          first_seen, column_id) AS rn,
           count(*) OVER (PARTITION BY unit_id) AS dedicated_columns
    FROM visible
),
outside AS (
    SELECT f.unit_id, count(DISTINCT f.article_id) AS on_theme_outside_column
    FROM article_facts f
    CROSS JOIN p
    JOIN article_themes t ON t.article_id = f.article_id
    WHERE f.published_date <= p.as_of
      AND (f.column_id IS NULL
           OR f.column_id NOT IN (SELECT column_id FROM unit_columns WHERE is_dedicated))
    GROUP BY f.unit_id
),
-- Could the crawler see the unit's site? A unit is reached when one of its sources answers now, or
-- when any of its articles was ever stored; otherwise the reason is kept, never turned into "missing".
-- Official channels (source_health.kind = 'channel') are not the site: they never make it reached.
reach AS (
    SELECT u.unit_id,
           CASE
               WHEN bool_or(h.status = 'ok') OR bool_or(a.unit_id IS NOT NULL) THEN 'ok'
               WHEN bool_or(h.status = 'disallowed') THEN 'disallowed'
               WHEN bool_or(h.status IN ('failing', 'dead')) THEN 'failing'
               WHEN u.site_url IS NULL AND count(h.source_id) = 0 THEN 'no-site'
               ELSE 'not-read'
           END AS reach
    FROM units u
    LEFT JOIN source_health h ON h.unit_id = u.unit_id AND h.kind <> 'channel'  -- the website only (issue #21)
    LEFT JOIN (SELECT DISTINCT unit_id FROM articles) a ON a.unit_id = u.unit_id
    GROUP BY u.unit_id, u.site_url
)
SELECT
    u.unit_id,
    u.name AS unit_name,
    u.short_name,
    u.kind,
    u.requires_column,
    u.valid_from <= p.as_of AND (u.valid_to IS NULL OR u.valid_to >= p.as_of) AS valid_on_date,
    d.column_id,
    d.url AS column_url,
    d.name AS column_name,
    d.first_seen,
    d.last_seen,
    coalesce(d.dedicated_columns, 0) AS dedicated_columns,
    coalesce(d.column_articles, 0) AS column_articles,
    coalesce(d.column_documents, 0) AS column_documents,   -- of column_articles, documents published as pages
    coalesce(d.articles_30d, 0) AS articles_30d,
    coalesce(d.articles_90d, 0) AS articles_90d,
    d.last_article_at,
    CASE WHEN d.last_article_date IS NOT NULL THEN p.as_of - d.last_article_date END AS days_since_last_article,
    coalesce(o.on_theme_outside_column, 0) AS on_theme_outside_column,
    r.reach,
    CASE
        -- not required of this unit, or the unit did not exist on the reference date (merged, not yet formed)
        WHEN NOT u.requires_column OR u.valid_from > p.as_of OR u.valid_to < p.as_of THEN 'not_required'
        -- no column seen and the site could not be read: not seen is not missing
        WHEN d.column_id IS NULL AND r.reach <> 'ok' THEN 'unreachable'
        WHEN d.column_id IS NULL THEN 'missing'
        -- no article for more than dormant_days: counted from the newest article, or from when the
        -- column was first seen if it never had one
        WHEN p.as_of - coalesce(d.last_article_date, d.known_since) > p.dormant_days THEN 'dormant'
        ELSE 'active'
    END AS status,
    p.as_of,
    p.dormant_days
FROM units u
CROSS JOIN p
LEFT JOIN picked d ON d.unit_id = u.unit_id AND d.rn = 1
LEFT JOIN outside o ON o.unit_id = u.unit_id
LEFT JOIN reach r ON r.unit_id = u.unit_id;

CREATE OR REPLACE VIEW column_status AS
SELECT * FROM column_status_at((SELECT as_of FROM report_params));
