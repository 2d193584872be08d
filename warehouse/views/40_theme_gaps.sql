-- Per plan period and theme, as of a reference date: how many units covered it and which required
-- units did not. A period is counted up to the reference date when it is still running; periods
-- that start after it are left out. Every row carries its plan_id and each plan's themes are its
-- own (themes are keyed by plan), so two plans in one warehouse never mix or double their rows.
-- `theme_gaps_at(DATE)` is the table macro the reports call; the view uses the warehouse's as_of.
CREATE OR REPLACE MACRO theme_gaps_at(ref) AS TABLE
WITH p AS (SELECT CAST(ref AS DATE) AS as_of),
periods AS (
    SELECT pp.plan_id, pp.period_id, pp.starts_on,
           least(coalesce(pp.ends_on, p.as_of), p.as_of) AS counted_to, pp.ends_on
    FROM plan_periods pp CROSS JOIN p
    WHERE pp.starts_on <= p.as_of
),
pt AS (
    SELECT pe.*, x.theme_id
    FROM periods pe JOIN period_themes x ON x.plan_id = pe.plan_id AND x.period_id = pe.period_id
),
hits AS (
    SELECT pt.plan_id, pt.period_id, pt.theme_id, f.unit_id, count(DISTINCT f.article_id) AS n
    FROM pt
    JOIN article_themes t ON t.theme_id = pt.theme_id
    JOIN article_facts f ON f.article_id = t.article_id
    WHERE f.published_date BETWEEN pt.starts_on AND pt.counted_to
    GROUP BY ALL
),
required AS (
    SELECT pt.plan_id, pt.period_id, pt.theme_id, u.unit_id
    FROM pt JOIN units u
      ON u.requires_column
     AND u.valid_from <= pt.counted_to
     AND (u.valid_to IS NULL OR u.valid_to >= pt.starts_on)
),
cov AS (
    SELECT plan_id, period_id, theme_id, sum(n)::BIGINT AS articles, count(*) AS units_covering
    FROM hits GROUP BY ALL
),
req AS (
    SELECT r.plan_id, r.period_id, r.theme_id,
           count(*) AS required_units,
           count(h.unit_id) AS required_units_covering,
           coalesce(list(r.unit_id ORDER BY r.unit_id) FILTER (WHERE h.unit_id IS NULL), []) AS required_units_not_covering
    FROM required r
    LEFT JOIN hits h ON h.plan_id = r.plan_id AND h.period_id = r.period_id
                    AND h.theme_id = r.theme_id AND h.unit_id = r.unit_id
    GROUP BY ALL
)
SELECT
    pt.plan_id,
    pt.period_id,
    pt.theme_id,
    th.title_vi AS theme_title,
    pt.starts_on,
    pt.ends_on,
    pt.counted_to,
    coalesce(c.articles, 0) AS articles,
    coalesce(c.units_covering, 0) AS units_covering,
    coalesce(q.required_units, 0) AS required_units,
    coalesce(q.required_units_covering, 0) AS required_units_covering,
    coalesce(q.required_units_not_covering, []) AS required_units_not_covering
FROM pt
LEFT JOIN themes th ON th.plan_id = pt.plan_id AND th.theme_id = pt.theme_id
LEFT JOIN cov c ON c.plan_id = pt.plan_id AND c.period_id = pt.period_id AND c.theme_id = pt.theme_id
LEFT JOIN req q ON q.plan_id = pt.plan_id AND q.period_id = pt.period_id AND q.theme_id = pt.theme_id;

CREATE OR REPLACE VIEW theme_gaps AS
SELECT * FROM theme_gaps_at((SELECT as_of FROM report_params));
