-- 001: the plan, its themes and periods, the unit registry and its sources (dimension tables).
-- Reloaded from the data files by `chuyenmuc db init`; rows are upserted, never duplicated.

CREATE TABLE IF NOT EXISTS plans (
    plan_id          VARCHAR PRIMARY KEY,
    title            VARCHAR NOT NULL,
    issuer           VARCHAR NOT NULL,
    number           VARCHAR,
    issued_on        DATE,
    report_deadline  VARCHAR,           -- 'MM-DD', every year
    source_file      VARCHAR
);

CREATE TABLE IF NOT EXISTS plan_periods (
    plan_id     VARCHAR NOT NULL,
    period_id   VARCHAR NOT NULL,
    title       VARCHAR,
    starts_on   DATE NOT NULL,
    ends_on     DATE,                   -- NULL: open-ended
    PRIMARY KEY (plan_id, period_id)
);

CREATE TABLE IF NOT EXISTS themes (
    theme_id     VARCHAR PRIMARY KEY,
    plan_id      VARCHAR NOT NULL,
    title_vi     VARCHAR NOT NULL,
    description  VARCHAR,
    seed_terms   VARCHAR[]
);

CREATE TABLE IF NOT EXISTS period_themes (
    plan_id    VARCHAR NOT NULL,
    period_id  VARCHAR NOT NULL,
    theme_id   VARCHAR NOT NULL,
    PRIMARY KEY (plan_id, period_id, theme_id)
);

CREATE TABLE IF NOT EXISTS column_patterns (
    plan_id  VARCHAR NOT NULL,
    pattern  VARCHAR NOT NULL,
    PRIMARY KEY (plan_id, pattern)
);

CREATE TABLE IF NOT EXISTS units (
    unit_id          VARCHAR PRIMARY KEY,
    name             VARCHAR NOT NULL,
    short_name       VARCHAR,
    kind             VARCHAR NOT NULL,
    parent_id        VARCHAR,
    successor_id     VARCHAR,
    valid_from       DATE NOT NULL,
    valid_to         DATE,
    requires_column  BOOLEAN NOT NULL,
    obligations      VARCHAR[],
    site_url         VARCHAR,
    note             VARCHAR,
    registry_id      VARCHAR
);

CREATE TABLE IF NOT EXISTS sources (
    source_id   VARCHAR PRIMARY KEY,
    unit_id     VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL,       -- site | feed | sitemap | column (listing page)
    url         VARCHAR NOT NULL,
    verified    BOOLEAN NOT NULL,       -- false: URL not checked against the live web
    origin      VARCHAR NOT NULL,       -- registry | discovered
    name        VARCHAR,
    first_seen  TIMESTAMP,
    last_seen   TIMESTAMP
);
