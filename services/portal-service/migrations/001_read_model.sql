-- The portal's read model, projected from flow-definition and opportunity events.

-- One row per opportunity type: its whole definition as the portal needs it.
CREATE TABLE IF NOT EXISTS flows (
    opportunity_type_id text  PRIMARY KEY,
    org_id              text  NOT NULL,
    definition          jsonb NOT NULL
);

CREATE TABLE IF NOT EXISTS portal_opportunities (
    opportunity_id      text   PRIMARY KEY,
    org_id              text   NOT NULL,
    opportunity_type_id text   NOT NULL,
    substate_id         text   NOT NULL,
    visited             text[] NOT NULL,
    title               text   NOT NULL,
    locale              text,
    offers              jsonb  NOT NULL DEFAULT '{}'::jsonb
);

-- Customers' access tokens, by hash only.
CREATE TABLE IF NOT EXISTS portal_access (
    token_sha256   text PRIMARY KEY,
    opportunity_id text NOT NULL REFERENCES portal_opportunities ON DELETE CASCADE
);
