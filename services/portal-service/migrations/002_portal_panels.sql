-- What the panels show: field values, conditions accepted, installer, contracts, drawing,
-- and the org's catalog and portal settings.

ALTER TABLE portal_opportunities
    -- field id → {"confirmed": value, "pending": {"value": v, "position": p} | null}
    ADD COLUMN IF NOT EXISTS fields jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- condition id → version accepted
    ADD COLUMN IF NOT EXISTS accepted_conditions jsonb NOT NULL DEFAULT '{}'::jsonb,
    ADD COLUMN IF NOT EXISTS installer jsonb,
    -- contract id → {"title", "document", "signed_document" | null, "issued_at"}
    ADD COLUMN IF NOT EXISTS contracts jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- {"roof": GeoJSON, "roof_area_m2": n}
    ADD COLUMN IF NOT EXISTS drawing jsonb;

CREATE TABLE IF NOT EXISTS catalog_fields (
    field_id text  PRIMARY KEY,
    org_id   text  NOT NULL,
    field    jsonb NOT NULL  -- {key, label, type, options, retired}
);

CREATE TABLE IF NOT EXISTS catalog_conditions (
    condition_id text  PRIMARY KEY,
    org_id       text  NOT NULL,
    condition    jsonb NOT NULL  -- {title, text, version, retired}
);

CREATE TABLE IF NOT EXISTS portal_settings (
    org_id   text  PRIMARY KEY,
    settings jsonb NOT NULL  -- as in portal-settings-saved
);

-- Answers to POSTs sent with an Idempotency-Key: a retry gets the first answer again.
CREATE TABLE IF NOT EXISTS idempotency_keys (
    opportunity_id text        NOT NULL,
    key            text        NOT NULL,
    request_hash   text        NOT NULL,
    status_code    integer     NOT NULL,
    body           jsonb       NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (opportunity_id, key)
);
