-- Unit x theme x ISO week: tagged articles (reposts included) and, apart, how many were reposts.
CREATE OR REPLACE VIEW coverage_weekly AS
SELECT
    f.unit_id,
    t.theme_id,
    f.week,
    f.week_start,
    count(*) AS articles,
    count(*) FILTER (WHERE f.is_repost) AS reposts,
    count(*) FILTER (WHERE NOT f.is_repost) AS originals,
    count(*) FILTER (WHERE f.is_document) AS documents,
    count(*) FILTER (WHERE f.column_id IN (SELECT column_id FROM unit_columns WHERE is_dedicated)) AS in_column
FROM article_facts f
JOIN article_themes t ON t.article_id = f.article_id
WHERE f.week IS NOT NULL
GROUP BY f.unit_id, t.theme_id, f.week, f.week_start;
