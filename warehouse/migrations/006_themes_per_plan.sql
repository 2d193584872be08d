-- 006: a theme belongs to a plan: the key of `themes` becomes (plan_id, theme_id), so a second plan
-- that reuses a theme id (a new plan after the next Congress keeps "socioeconomic-goals") keeps its
-- own title and description, and each plan's rows stay apart in the views. Rows are kept as they are.

CREATE TABLE themes_by_plan (
    plan_id      VARCHAR NOT NULL,
    theme_id     VARCHAR NOT NULL,
    title_vi     VARCHAR NOT NULL,
    description  VARCHAR,
    seed_terms   VARCHAR[],
    PRIMARY KEY (plan_id, theme_id)
);
INSERT INTO themes_by_plan SELECT plan_id, theme_id, title_vi, description, seed_terms FROM themes;
DROP TABLE themes;
ALTER TABLE themes_by_plan RENAME TO themes;
