-- A feed of JWT revocations, so that each process can keep the revoked
-- jtis in memory instead of reading revoked_jwts on every introspection
-- (package denylist). Every transaction that records revocations first
-- increments revision row 2 and stamps its rows with the new value: the
-- row lock orders those transactions, so a reader asking for seq > n
-- never skips a row that commits later with a smaller seq. Rows written
-- before this migration keep seq 0 and are read by a full load.
ALTER TABLE revoked_jwts ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
CREATE INDEX revoked_jwts_seq ON revoked_jwts (seq);
INSERT INTO revision (id, value) VALUES (2, 0);
