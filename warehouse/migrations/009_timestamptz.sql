-- 009: every timestamp is TIMESTAMPTZ (an instant), like published_at already was. Until now the
-- other columns held naive times: machine-local ones (datetime.now() in the crawler, the jobs, the run
-- rows), except what the extract job wrote, which was naive UTC (pages/articles.extracted_at and its
-- run_errors rows, stage 'extract'). The runner (warehouse.db.migrate) applies this file with the
-- session TimeZone reset to the machine's own zone, so `col::TIMESTAMPTZ` reads a naive value as the
-- machine-local time it was written in; the extract job's columns are read as UTC. No key or index
-- holds a timestamp, so each column changes type in place and keeps its constraints.

ALTER TABLE schema_migrations ALTER applied_at SET DATA TYPE TIMESTAMPTZ USING applied_at::TIMESTAMPTZ;

ALTER TABLE sources ALTER first_seen SET DATA TYPE TIMESTAMPTZ USING first_seen::TIMESTAMPTZ;
ALTER TABLE sources ALTER last_seen SET DATA TYPE TIMESTAMPTZ USING last_seen::TIMESTAMPTZ;

ALTER TABLE crawl_runs ALTER started_at SET DATA TYPE TIMESTAMPTZ USING started_at::TIMESTAMPTZ;
ALTER TABLE crawl_runs ALTER finished_at SET DATA TYPE TIMESTAMPTZ USING finished_at::TIMESTAMPTZ;

ALTER TABLE pages ALTER fetched_at SET DATA TYPE TIMESTAMPTZ USING fetched_at::TIMESTAMPTZ;
ALTER TABLE pages ALTER extracted_at SET DATA TYPE TIMESTAMPTZ USING timezone('UTC', extracted_at);

ALTER TABLE articles ALTER extracted_at SET DATA TYPE TIMESTAMPTZ USING timezone('UTC', extracted_at);

ALTER TABLE article_tokens ALTER created_at SET DATA TYPE TIMESTAMPTZ USING created_at::TIMESTAMPTZ;

ALTER TABLE models ALTER created_at SET DATA TYPE TIMESTAMPTZ USING created_at::TIMESTAMPTZ;

ALTER TABLE article_themes ALTER tagged_at SET DATA TYPE TIMESTAMPTZ USING tagged_at::TIMESTAMPTZ;

ALTER TABLE labels ALTER imported_at SET DATA TYPE TIMESTAMPTZ USING imported_at::TIMESTAMPTZ;

ALTER TABLE unit_columns ALTER first_seen SET DATA TYPE TIMESTAMPTZ USING first_seen::TIMESTAMPTZ;
ALTER TABLE unit_columns ALTER last_seen SET DATA TYPE TIMESTAMPTZ USING last_seen::TIMESTAMPTZ;

ALTER TABLE source_health ALTER last_attempt_at SET DATA TYPE TIMESTAMPTZ USING last_attempt_at::TIMESTAMPTZ;
ALTER TABLE source_health ALTER last_success_at SET DATA TYPE TIMESTAMPTZ USING last_success_at::TIMESTAMPTZ;
ALTER TABLE source_health ALTER last_error_at SET DATA TYPE TIMESTAMPTZ USING last_error_at::TIMESTAMPTZ;
ALTER TABLE source_health ALTER last_new_article_at SET DATA TYPE TIMESTAMPTZ USING last_new_article_at::TIMESTAMPTZ;
ALTER TABLE source_health ALTER updated_at SET DATA TYPE TIMESTAMPTZ USING updated_at::TIMESTAMPTZ;

ALTER TABLE run_errors ALTER occurred_at SET DATA TYPE TIMESTAMPTZ
    USING CASE WHEN stage = 'extract' THEN timezone('UTC', occurred_at) ELSE occurred_at::TIMESTAMPTZ END;

ALTER TABLE settings ALTER updated_at SET DATA TYPE TIMESTAMPTZ USING updated_at::TIMESTAMPTZ;

ALTER TABLE robots_cache ALTER fetched_at SET DATA TYPE TIMESTAMPTZ USING fetched_at::TIMESTAMPTZ;

ALTER TABLE channels ALTER first_seen SET DATA TYPE TIMESTAMPTZ USING first_seen::TIMESTAMPTZ;

ALTER TABLE channel_items ALTER first_seen SET DATA TYPE TIMESTAMPTZ USING first_seen::TIMESTAMPTZ;
ALTER TABLE channel_items ALTER last_seen SET DATA TYPE TIMESTAMPTZ USING last_seen::TIMESTAMPTZ;

ALTER TABLE channel_item_themes ALTER tagged_at SET DATA TYPE TIMESTAMPTZ USING tagged_at::TIMESTAMPTZ;
