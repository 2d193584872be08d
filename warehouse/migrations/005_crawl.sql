-- 005: crawler state that is not a fact: cached robots.txt per host, so a nightly run does not
-- re-download every site's robots.txt (it is re-read after 24 h, conditionally, with its ETag).

CREATE TABLE IF NOT EXISTS robots_cache (
    host           VARCHAR PRIMARY KEY,   -- scheme://host[:port] the rules apply to
    fetched_at     TIMESTAMP NOT NULL,    -- last time the body was downloaded or confirmed (304)
    http_status    INTEGER,
    body           VARCHAR,               -- robots.txt text ('' when missing: everything allowed)
    etag           VARCHAR,
    last_modified  VARCHAR
);
