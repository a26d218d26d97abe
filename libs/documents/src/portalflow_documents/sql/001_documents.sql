-- Documents in the blob store this service accepted, and whose they are.
CREATE TABLE IF NOT EXISTS documents (
    document_id    uuid        PRIMARY KEY,
    org_id         text        NOT NULL,
    opportunity_id text,
    sha256         text        NOT NULL,
    file_name      text        NOT NULL,
    content_type   text        NOT NULL,
    size           bigint      NOT NULL,
    uploaded_by    text        NOT NULL,
    uploaded_at    timestamptz NOT NULL DEFAULT now()
);
