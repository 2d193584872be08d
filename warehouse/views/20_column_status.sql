-- Per unit: its dedicated column (the one with most articles if several), how fed it is, and a status.
CREATE OR REPLACE VIEW column_status AS
WITH p AS (SELECT * FROM report_params),
dedicated AS (
    SELECT c.column_id, c.unit_id, c.url, c.name, c.first_seen, c.last_seen,
           count(f.article_id) AS column_articles,
           max(f.published_at) AS last_article_at,
           max(f.published_date) AS last_article_date,
           count(f.article_id) FILTER (WHERE f.published_date > p.as_of - 30 AND f.published_date <= p.as_of) AS articles_30d,
           count(f.article_id) FILTER (WHERE f.published_date > p.as_of - 90 AND f.published_date <= p.as_of) AS articles_90d
    FROM unit_columns c
    CROSS JOIN p
    LEFT JOIN article_facts f ON f.column_id = c.column_id
    WHERE c.is_dedicated
    GROUP BY ALL
),
picked AS (
    SELECT *, row_number() OVER (PARTITION BY unit_id
                                 ORDER BY column_articles DESC, last_article_at DESC NULLS LAST,
                                          first_seen, column_id) AS rn,
           count(*) OVER (PARTITION BY unit_id) AS dedicated_columns
    FROM dedicated
),
outside AS (
    SELECT a.unit_id, count(DISTINCT a.article_id) AS on_theme_outside_column
    FROM articles a
    JOIN article_themes t ON t.article_id = a.article_id
    WHERE a.column_id IS NULL
       OR a.column_id NOT IN (SELECT column_id FROM unit_columns WHERE is_dedicated)
    GROUP BY a.unit_id
)
SELECT
    u.unit_id,
    u.name AS unit_name,
    u.short_name,
    u.kind,
    u.requires_column,
    d.column_id,
    d.url AS column_url,
    d.name AS column_name,
    d.first_seen,
    d.last_seen,
    coalesce(d.dedicated_columns, 0) AS dedicated_columns,
    coalesce(d.column_articles, 0) AS column_articles,
    coalesce(d.articles_30d, 0) AS articles_30d,
    coalesce(d.articles_90d, 0) AS articles_90d,
    d.last_article_at,
    CASE WHEN d.last_article_date IS NOT NULL THEN p.as_of - d.last_article_date END AS days_since_last_article,
    coalesce(o.on_theme_outside_column, 0) AS on_theme_outside_column,
    CASE
        WHEN NOT u.requires_column THEN 'not_required'
        WHEN d.column_id IS NULL THEN 'missing'
        -- no article for more than dormant_days: counted from the newest article, or from when the
        -- column was first seen if it never had one
        WHEN p.as_of - coalesce(d.last_article_date, CAST(d.first_seen AS DATE)) > p.dormant_days THEN 'dormant'
        ELSE 'active'
    END AS status,
    p.as_of,
    p.dormant_days
FROM units u
CROSS JOIN p
LEFT JOIN picked d ON d.unit_id = u.unit_id AND d.rn = 1
LEFT JOIN outside o ON o.unit_id = u.unit_id;
