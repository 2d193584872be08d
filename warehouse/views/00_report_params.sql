-- The reference date and thresholds every other view uses, read from `settings`.
CREATE OR REPLACE VIEW report_params AS
SELECT
    coalesce(try_cast((SELECT value FROM settings WHERE key = 'as_of') AS DATE), current_date) AS as_of,
    coalesce(try_cast((SELECT value FROM settings WHERE key = 'dormant_days') AS INTEGER), 90) AS dormant_days,
    coalesce(try_cast((SELECT value FROM settings WHERE key = 'volume_best_weeks') AS INTEGER), 4) AS volume_best_weeks,
    coalesce(try_cast((SELECT value FROM settings WHERE key = 'volume_drop_ratio') AS DOUBLE), 0.25) AS volume_drop_ratio;
