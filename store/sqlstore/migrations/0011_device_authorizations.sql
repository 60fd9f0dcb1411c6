-- The Device Authorization Grant (RFC 8628; issue 18).
--
-- device_authorizations: one row per device_code. id is the keyed hash of
-- the device_code, user_code_id the keyed hash of the normalized user
-- code (unique: a new authorization drawing a taken code draws again);
-- neither code is stored. interval_us is the current least time between
-- two polls, grown by every poll that came too soon (§3.5 slow_down);
-- poll_too_soon says whether the last poll was such a one (set by the
-- same statement that records the poll, so that instances sharing the
-- database agree). status is pending, approved or denied; subject,
-- session_id and auth_time name who approved, in which browser session.
-- used_at is set when the approved device code is exchanged for tokens.
CREATE TABLE device_authorizations (
	id             TEXT PRIMARY KEY,
	user_code_id   TEXT NOT NULL,
	client_id      TEXT NOT NULL,
	scopes         TEXT NOT NULL,
	resources      TEXT NOT NULL DEFAULT 'null',
	family_id      TEXT NOT NULL,
	issued_at      BIGINT,
	expires_at     BIGINT NOT NULL,
	interval_us    BIGINT NOT NULL,
	last_polled_at BIGINT,
	poll_too_soon  INTEGER NOT NULL DEFAULT 0,
	status         TEXT NOT NULL,
	subject        TEXT NOT NULL DEFAULT '',
	session_id     TEXT NOT NULL DEFAULT '',
	auth_time      BIGINT,
	decided_at     BIGINT,
	used_at        BIGINT
);
CREATE UNIQUE INDEX device_authorizations_user_code_id ON device_authorizations (user_code_id);
CREATE INDEX device_authorizations_client_id ON device_authorizations (client_id);
CREATE INDEX device_authorizations_subject ON device_authorizations (subject);
CREATE INDEX device_authorizations_expires_at ON device_authorizations (expires_at);
