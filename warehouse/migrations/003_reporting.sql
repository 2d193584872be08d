-- 003: settings the analysts' views read (reference date, thresholds), as key/value text.
-- `as_of` is the reference date of the reports (the pipeline sets it to the last crawl's date; the
-- demo sets it to the demo web's date). When absent, the views use current_date.

CREATE TABLE IF NOT EXISTS settings (
    key         VARCHAR PRIMARY KEY,
    value       VARCHAR,
    updated_at  TIMESTAMP
);

INSERT OR IGNORE INTO settings VALUES
    ('dormant_days', '90', now()::TIMESTAMP),           -- config status.dormant_days
    ('volume_best_weeks', '4', now()::TIMESTAMP),        -- how many best weeks make the baseline
    ('volume_drop_ratio', '0.25', now()::TIMESTAMP);     -- a week below ratio x baseline is a drop
