-- The units' official channels (issue #21), counted BESIDE the dedicated column, never inside it:
-- channel items live in `channel_items` (not `articles`) and channel health rows have
-- source_health.kind = 'channel', which column_status (its `reach`) leaves out, so column_status,
-- coverage_weekly, theme_gaps and unit_volume_weekly count the website only.
--
-- channel_item_facts       one row per channel item with its local (Vietnam) date and ISO week
-- channel_activity_weekly  unit x theme x ISO week: tagged channel items (the channel's coverage_weekly)
-- channel_status_at(DATE)  per unit, as of a date: its channels, items, on-theme items, a status
-- unit_activity_at(DATE)   per unit: column status and channel status side by side
-- channel_status, unit_activity: the same at the warehouse's reference date.

CREATE OR REPLACE VIEW channel_item_facts AS
WITH d AS (
    SELECT i.*,
           DATE '1970-01-01' + CAST((epoch_us(i.published_at) + 25200000000) // 86400000000 AS INTEGER) AS published_date
    FROM channel_items i
)
SELECT
    d.item_id,
    d.channel_id,
    d.unit_id,
    d.kind AS channel_kind,
    c.name AS channel_name,
    d.url,
    d.title,
    d.published_at,
    d.published_date,
    d.published_date - CAST(isodow(d.published_date) - 1 AS INTEGER) AS week_start,
    strftime(d.published_date, '%G-W%V') AS week
FROM d
LEFT JOIN channels c ON c.channel_id = d.channel_id;

CREATE OR REPLACE VIEW channel_activity_weekly AS
SELECT
    f.unit_id,
    t.theme_id,
    f.week,
    f.week_start,
    count(DISTINCT f.item_id) AS items,
    count(DISTINCT f.channel_id) AS channels
FROM channel_item_facts f
JOIN channel_item_themes t ON t.item_id = f.item_id
WHERE f.week IS NOT NULL
GROUP BY f.unit_id, t.theme_id, f.week, f.week_start;

-- Status of a unit's channels as of a date, by the column's rule (dormant_days):
--   none         no channel registered
--   on_theme     an item tagged with a plan theme in the last dormant_days days
--   off_theme    items in that window, none on the plan's themes
--   quiet        no item in that window (items before it, or none while the feed reads fine)
--   unreachable  no item ever stored and no channel of the unit reads fine (malformed, HTTP errors)
CREATE OR REPLACE MACRO channel_status_at(ref) AS TABLE
WITH p AS (SELECT CAST(ref AS DATE) AS as_of, (SELECT dormant_days FROM report_params) AS dormant_days),
ch AS (
    SELECT unit_id, count(*) AS channels, list(name ORDER BY name) AS channel_names
    FROM channels GROUP BY unit_id
),
health AS (
    SELECT unit_id, count(*) FILTER (WHERE status = 'ok') AS channels_ok,
           count(*) FILTER (WHERE status <> 'ok') AS channels_not_ok
    FROM source_health WHERE kind = 'channel' GROUP BY unit_id
),
tagged AS (SELECT DISTINCT item_id FROM channel_item_themes),
it AS (
    SELECT f.unit_id,
           count(*) AS items,
           count(*) FILTER (WHERE g.item_id IS NOT NULL) AS on_theme_items,
           count(*) FILTER (WHERE f.published_date > p.as_of - p.dormant_days) AS items_recent,
           count(*) FILTER (WHERE g.item_id IS NOT NULL AND f.published_date > p.as_of - p.dormant_days) AS on_theme_recent,
           max(f.published_at) AS last_item_at,
           max(f.published_at) FILTER (WHERE g.item_id IS NOT NULL) AS last_on_theme_at
    FROM channel_item_facts f
    CROSS JOIN p
    LEFT JOIN tagged g ON g.item_id = f.item_id
    WHERE f.published_date <= p.as_of
    GROUP BY f.unit_id
)
SELECT
    u.unit_id,
    u.name AS unit_name,
    coalesce(ch.channels, 0) AS channels,
    coalesce(ch.channel_names, []) AS channel_names,
    coalesce(h.channels_ok, 0) AS channels_ok,
    coalesce(h.channels_not_ok, 0) AS channels_not_ok,
    coalesce(it.items, 0) AS channel_items,
    coalesce(it.on_theme_items, 0) AS channel_on_theme_items,
    coalesce(it.items_recent, 0) AS channel_items_recent,
    coalesce(it.on_theme_recent, 0) AS channel_on_theme_recent,
    it.last_item_at AS channel_last_item_at,
    it.last_on_theme_at AS channel_last_on_theme_at,
    CASE
        WHEN coalesce(ch.channels, 0) = 0 THEN 'none'
        WHEN coalesce(it.on_theme_recent, 0) > 0 THEN 'on_theme'
        WHEN coalesce(it.items_recent, 0) > 0 THEN 'off_theme'
        WHEN coalesce(it.items, 0) = 0 AND coalesce(h.channels_ok, 0) = 0 AND coalesce(h.channels_not_ok, 0) > 0 THEN 'unreachable'
        ELSE 'quiet'
    END AS channel_status,
    p.as_of,
    p.dormant_days
FROM units u
CROSS JOIN p
LEFT JOIN ch ON ch.unit_id = u.unit_id
LEFT JOIN health h ON h.unit_id = u.unit_id
LEFT JOIN it ON it.unit_id = u.unit_id;

CREATE OR REPLACE VIEW channel_status AS
SELECT * FROM channel_status_at((SELECT as_of FROM report_params));

-- Column and channel side by side; column_idle_channel_on_theme: a unit whose column is dormant or
-- missing while its official channel covers the plan's themes (shown as such in the reports).
CREATE OR REPLACE MACRO unit_activity_at(ref) AS TABLE
SELECT
    c.unit_id, c.unit_name, c.short_name, c.kind, c.requires_column, c.valid_on_date,
    c.status AS column_status, c.reach, c.column_name, c.column_url, c.articles_90d, c.last_article_at,
    h.channels, h.channel_names, h.channels_ok, h.channels_not_ok, h.channel_items, h.channel_on_theme_items,
    h.channel_items_recent, h.channel_on_theme_recent, h.channel_last_item_at, h.channel_last_on_theme_at,
    h.channel_status,
    c.status IN ('dormant', 'missing') AND h.channel_status = 'on_theme' AS column_idle_channel_on_theme,
    c.as_of,
    h.dormant_days
FROM column_status_at(ref) c
JOIN channel_status_at(ref) h ON h.unit_id = c.unit_id;

CREATE OR REPLACE VIEW unit_activity AS
SELECT * FROM unit_activity_at((SELECT as_of FROM report_params));

-- Unit x ISO week: every channel item and, apart, the ones tagged with a plan theme (the reports'
-- "tin trên kênh trong tuần").
CREATE OR REPLACE VIEW channel_items_weekly AS
SELECT
    f.unit_id,
    f.week,
    f.week_start,
    count(*) AS items,
    count(*) FILTER (WHERE f.item_id IN (SELECT item_id FROM channel_item_themes)) AS on_theme_items
FROM channel_item_facts f
WHERE f.week IS NOT NULL
GROUP BY f.unit_id, f.week, f.week_start;
