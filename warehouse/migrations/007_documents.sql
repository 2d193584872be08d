-- 007: a document published as a page (its body only a link to a PDF/DOC/DOCX, as decisions, plans and
-- outlines for propagandists are) is a publication of its unit: it has an articles row like any
-- article, flagged here, with the document's text (empty for a scan) as its text. The file itself is
-- kept in pages (extract_status 'attachment'). Existing rows are articles, not documents.
ALTER TABLE articles ADD COLUMN is_document BOOLEAN DEFAULT false;
ALTER TABLE articles ADD COLUMN document_url VARCHAR;  -- the file the page links to (canonical URL)
UPDATE articles SET is_document = false WHERE is_document IS NULL;
