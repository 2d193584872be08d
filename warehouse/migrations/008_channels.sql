-- 008: a unit's official channels beyond its website (issue #21): its video channel's public feed or
-- another official RSS/Atom feed, registered by hand in the unit registry ([[units.channels]]).
-- Their items are publications of the unit, kept apart from `articles`: the views count them beside
-- the dedicated column (70_channel_activity.sql), never inside it. A channel's health is a
-- `source_health` row with kind = 'channel' (source_id = channel_id), like any crawl source.

CREATE TABLE IF NOT EXISTS channels (
    channel_id     VARCHAR PRIMARY KEY,     -- registry.units.source_id(unit_id, kind, url)
    unit_id        VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL,        -- video-channel | feed
    name           VARCHAR NOT NULL,
    url            VARCHAR NOT NULL,        -- the public RSS/Atom feed
    verified       BOOLEAN NOT NULL,
    official_host  BOOLEAN NOT NULL,
    registry_id    VARCHAR,
    first_seen     TIMESTAMP
);

-- One row per item (a video, a post) of a channel; the id comes from the item's canonical URL, so a
-- feed read again (or a rerun) updates the same row instead of adding one.
CREATE TABLE IF NOT EXISTS channel_items (
    item_id        BIGINT PRIMARY KEY,      -- warehouse.ids.url_id(canonical url)
    url            VARCHAR NOT NULL,        -- canonical URL of the item (item_id is derived from it)
    channel_id     VARCHAR NOT NULL,
    unit_id        VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL,        -- the channel's kind
    guid           VARCHAR,                 -- the feed's entry id (yt:video:...)
    title          VARCHAR,
    description    VARCHAR,
    published_at   TIMESTAMPTZ,
    run_id         BIGINT,
    first_seen     TIMESTAMP NOT NULL,
    last_seen      TIMESTAMP NOT NULL
);

-- Scores of every theme for each item and model, and the assigned tags (as for articles).
CREATE TABLE IF NOT EXISTS channel_item_scores (
    item_id        BIGINT NOT NULL,
    theme_id       VARCHAR NOT NULL,
    score          DOUBLE NOT NULL,
    model_version  VARCHAR NOT NULL,
    PRIMARY KEY (item_id, theme_id, model_version)
);

CREATE TABLE IF NOT EXISTS channel_item_themes (
    item_id        BIGINT NOT NULL,
    theme_id       VARCHAR NOT NULL,
    score          DOUBLE NOT NULL,
    model_version  VARCHAR NOT NULL,
    source         VARCHAR NOT NULL DEFAULT 'model',   -- model | truth
    tagged_at      TIMESTAMP,
    PRIMARY KEY (item_id, theme_id)
);
