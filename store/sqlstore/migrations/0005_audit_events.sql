-- Audit events (package audit): one row per security-relevant event. They
-- are listed oldest first by (occurred_at, id), whole or filtered by type,
-- client or user; each filter has an index that ends in that order, so a
-- page is one range scan from the page token's position, and the
-- retention sweep finds old rows through the first. Identifiers an event
-- lacks are '' rather than NULL, so filters are plain equalities; the
-- client and user indexes leave those rows out (no filter asks for ''),
-- which spares most events one index insert (a client_credentials token
-- has no user). details is a JSON object of strings (null when there
-- are none).
CREATE TABLE audit_events (
	id          TEXT PRIMARY KEY,
	occurred_at BIGINT NOT NULL,
	type        TEXT NOT NULL,
	actor_type  TEXT NOT NULL,
	actor       TEXT NOT NULL,
	client_id   TEXT NOT NULL,
	user_id     TEXT NOT NULL,
	ip          TEXT NOT NULL,
	request_id  TEXT NOT NULL,
	details     TEXT NOT NULL
);
CREATE INDEX audit_events_time ON audit_events (occurred_at, id);
CREATE INDEX audit_events_type ON audit_events (type, occurred_at, id);
CREATE INDEX audit_events_client_id ON audit_events (client_id, occurred_at, id) WHERE client_id <> '';
CREATE INDEX audit_events_user_id ON audit_events (user_id, occurred_at, id) WHERE user_id <> '';
