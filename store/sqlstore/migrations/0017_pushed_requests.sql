-- Pushed Authorization Requests (RFC 9126; issue 18).
--
-- pushed_requests: each authorization request a client pushed, kept
-- validated until its request_uri is used (used_at, once) or expires
-- (expires_at, a minute after the push; the janitor deletes it then).
-- id is the keyed hash of the request_uri, never the URI itself; params
-- the request, form-encoded.
CREATE TABLE pushed_requests (
	id         TEXT PRIMARY KEY,
	client_id  TEXT NOT NULL,
	params     TEXT NOT NULL,
	created_at BIGINT,
	expires_at BIGINT NOT NULL,
	used_at    BIGINT
);
CREATE INDEX pushed_requests_expires_at ON pushed_requests (expires_at);
