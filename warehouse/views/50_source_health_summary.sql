-- Per unit: its crawl sources by health status (the `source_health` table is kept by the crawler).
CREATE OR REPLACE VIEW source_health_summary AS
SELECT
    u.unit_id,
    u.name AS unit_name,
    count(h.source_id) AS sources,
    count(h.source_id) FILTER (WHERE h.status = 'ok') AS ok,
    count(h.source_id) FILTER (WHERE h.status = 'failing') AS failing,
    count(h.source_id) FILTER (WHERE h.status = 'dead') AS dead,
    count(h.source_id) FILTER (WHERE h.status = 'disallowed') AS disallowed,
    coalesce(max(h.consecutive_failures), 0) AS max_consecutive_failures,
    max(h.last_success_at) AS last_success_at,
    max(h.last_error_at) AS last_error_at,
    arg_max(h.last_error, h.last_error_at) AS last_error,
    max(h.last_new_article_at) AS last_new_article_at,
    CASE
        WHEN count(h.source_id) = 0 THEN 'unknown'
        WHEN count(h.source_id) FILTER (WHERE h.status = 'ok') = 0 THEN 'failing'
        WHEN count(h.source_id) FILTER (WHERE h.status <> 'ok') > 0 THEN 'degraded'
        ELSE 'ok'
    END AS health
FROM units u
LEFT JOIN source_health h ON h.unit_id = u.unit_id
GROUP BY u.unit_id, u.name;
