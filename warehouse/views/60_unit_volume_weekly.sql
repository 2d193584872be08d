-- Per unit and ISO week (every week from the unit's first article to the reference date, zero
-- weeks included): articles published, the mean of the unit's best weeks, and a volume-drop flag
-- (after Media Cloud's media-health check): a complete week below ratio x that mean.
CREATE OR REPLACE VIEW unit_volume_weekly AS
WITH p AS (SELECT * FROM report_params),
per_week AS (
    SELECT unit_id, week_start, count(*) AS articles, count(*) FILTER (WHERE is_repost) AS reposts
    FROM article_facts
    WHERE week_start IS NOT NULL
    GROUP BY unit_id, week_start
),
span AS (
    SELECT unit_id, min(week_start) AS first_week FROM per_week GROUP BY unit_id
),
calendar AS (
    SELECT s.unit_id, CAST(w AS DATE) AS week_start
    FROM span s CROSS JOIN p,
         LATERAL (SELECT unnest(generate_series(s.first_week::TIMESTAMP,
                                                date_trunc('week', greatest(p.as_of, s.first_week))::TIMESTAMP,
                                                INTERVAL 7 DAY)) AS w)
),
filled AS (
    SELECT c.unit_id, c.week_start, coalesce(w.articles, 0) AS articles, coalesce(w.reposts, 0) AS reposts
    FROM calendar c LEFT JOIN per_week w ON w.unit_id = c.unit_id AND w.week_start = c.week_start
),
ranked AS (
    SELECT f.*, row_number() OVER (PARTITION BY f.unit_id ORDER BY f.articles DESC, f.week_start) AS rank_in_unit
    FROM filled f
),
baseline AS (
    SELECT r.unit_id, avg(r.articles) AS best_weeks_mean
    FROM ranked r CROSS JOIN p
    WHERE r.rank_in_unit <= p.volume_best_weeks
    GROUP BY r.unit_id
)
SELECT
    f.unit_id,
    strftime(f.week_start, '%G-W%V') AS week,
    f.week_start,
    f.articles,
    f.reposts,
    b.best_weeks_mean,
    f.week_start + 7 <= p.as_of AS complete,
    (f.week_start + 7 <= p.as_of AND b.best_weeks_mean > 0
        AND f.articles < p.volume_drop_ratio * b.best_weeks_mean) AS volume_drop
FROM filled f
CROSS JOIN p
JOIN baseline b ON b.unit_id = f.unit_id;
