-- 002: what the pipeline collects: runs, raw pages, articles, tokens, tags, labels, columns, health.
-- Ids of pages and articles are derived from the canonical URL (see warehouse/ids.py), so a rerun
-- that meets the same URL updates the same row instead of adding one.

CREATE TABLE IF NOT EXISTS crawl_runs (
    run_id       BIGINT PRIMARY KEY,
    command      VARCHAR NOT NULL,      -- nightly | crawl | extract | tag
    started_at   TIMESTAMP NOT NULL,
    finished_at  TIMESTAMP,
    status       VARCHAR NOT NULL,      -- running | ok | partial | failed | interrupted
    args         JSON,
    counts       JSON,                  -- per stage counts
    errors       JSON,
    log_path     VARCHAR
);

-- Raw fetched pages: kept so extraction can be re-run without re-crawling.
CREATE TABLE IF NOT EXISTS pages (
    page_id         BIGINT PRIMARY KEY,
    url             VARCHAR NOT NULL UNIQUE,   -- canonical URL
    fetched_url     VARCHAR NOT NULL,
    unit_id         VARCHAR NOT NULL,
    source_id       VARCHAR,
    column_id       VARCHAR,                  -- the unit column it was found in, if any
    run_id          BIGINT,
    fetched_at      TIMESTAMP NOT NULL,
    http_status     INTEGER,
    headers         JSON,
    content_type    VARCHAR,
    declared_charset VARCHAR,
    body_zlib       BLOB,                     -- zlib-compressed raw body bytes
    body_size       INTEGER,
    body_sha1       VARCHAR,
    extract_status  VARCHAR,                  -- NULL: not yet; article | not-article | document | error
    extract_error   VARCHAR,
    extracted_at    TIMESTAMP
);

CREATE TABLE IF NOT EXISTS articles (
    article_id       BIGINT PRIMARY KEY,      -- = page_id
    url              VARCHAR NOT NULL UNIQUE,
    unit_id          VARCHAR NOT NULL,
    column_id        VARCHAR,
    title            VARCHAR,
    published_at     TIMESTAMPTZ,
    author           VARCHAR,
    text             VARCHAR,
    lang             VARCHAR,
    word_count       INTEGER,
    content_hash     VARCHAR,                 -- exact-duplicate check
    simhash          UBIGINT,                 -- near-duplicate fingerprint
    repost_of        BIGINT,                  -- article_id of the original, when this is a repost
    quality_flags    VARCHAR[],               -- e.g. legacy-encoding, mojibake-repaired, charset-mismatch
    extractor_version VARCHAR,
    extracted_at     TIMESTAMP
);

CREATE TABLE IF NOT EXISTS article_tokens (
    article_id         BIGINT PRIMARY KEY,
    title_tokens       VARCHAR,               -- space-separated, multi-syllable words joined by '_'
    text_tokens        VARCHAR,
    tokenizer_version  VARCHAR NOT NULL,
    created_at         TIMESTAMP
);

CREATE TABLE IF NOT EXISTS models (
    model_version  VARCHAR PRIMARY KEY,
    created_at     TIMESTAMP,
    path           VARCHAR,
    training       JSON,                      -- data sizes, label sources
    metrics        JSON
);

-- All scores, every theme, for each article and model.
CREATE TABLE IF NOT EXISTS article_theme_scores (
    article_id     BIGINT NOT NULL,
    theme_id       VARCHAR NOT NULL,
    score          DOUBLE NOT NULL,
    model_version  VARCHAR NOT NULL,
    PRIMARY KEY (article_id, theme_id, model_version)
);

-- The assigned tags (score over the theme's threshold) of the model that last tagged the article.
CREATE TABLE IF NOT EXISTS article_themes (
    article_id     BIGINT NOT NULL,
    theme_id       VARCHAR NOT NULL,
    score          DOUBLE NOT NULL,
    model_version  VARCHAR NOT NULL,
    source         VARCHAR NOT NULL DEFAULT 'model',   -- model | label | truth
    tagged_at      TIMESTAMP,
    PRIMARY KEY (article_id, theme_id)
);

-- Analysts' labels (imported from the CSV loop); one row per article, themes as a list ([] = none).
CREATE TABLE IF NOT EXISTS labels (
    article_id   BIGINT PRIMARY KEY,
    themes       VARCHAR[] NOT NULL,
    labeller     VARCHAR,
    source_file  VARCHAR,
    imported_at  TIMESTAMP
);

-- Every category ("chuyên mục") found on a unit's site; is_dedicated when its name matches the plan.
CREATE TABLE IF NOT EXISTS unit_columns (
    column_id        VARCHAR PRIMARY KEY,
    unit_id          VARCHAR NOT NULL,
    url              VARCHAR NOT NULL,
    name             VARCHAR,
    is_dedicated     BOOLEAN NOT NULL,
    matched_pattern  VARCHAR,
    first_seen       TIMESTAMP NOT NULL,
    last_seen        TIMESTAMP NOT NULL
);

-- Health per feed, sitemap and listing page (after Media Cloud's rss-fetcher).
CREATE TABLE IF NOT EXISTS source_health (
    source_id              VARCHAR PRIMARY KEY,
    unit_id                VARCHAR NOT NULL,
    kind                   VARCHAR NOT NULL,
    url                    VARCHAR NOT NULL,
    status                 VARCHAR NOT NULL,     -- ok | failing | dead | disallowed
    last_attempt_at        TIMESTAMP,
    last_success_at        TIMESTAMP,
    last_error_at          TIMESTAMP,
    last_error             VARCHAR,
    last_error_kind        VARCHAR,
    consecutive_failures   INTEGER NOT NULL DEFAULT 0,
    last_new_article_at    TIMESTAMP,
    last_http_status       INTEGER,
    etag                   VARCHAR,
    last_modified          VARCHAR,
    updated_at             TIMESTAMP
);

-- Typed errors met during a run, so nothing fails silently.
CREATE TABLE IF NOT EXISTS run_errors (
    run_id      BIGINT,
    stage       VARCHAR NOT NULL,
    unit_id     VARCHAR,
    url         VARCHAR,
    kind        VARCHAR NOT NULL,
    message     VARCHAR,
    occurred_at TIMESTAMP NOT NULL
);
