-- An administration token reaches one merchant's shops, or all (commercant_id null); it may
-- expire; it is revoked rather than deleted (who held it stays known).
ALTER TABLE admin_tokens ADD COLUMN commercant_id bigint REFERENCES commercants(id);
ALTER TABLE admin_tokens ADD COLUMN date_expiration timestamptz;
ALTER TABLE admin_tokens ADD COLUMN date_revocation timestamptz;
