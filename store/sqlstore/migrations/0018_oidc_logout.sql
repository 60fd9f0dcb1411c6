-- OpenID Connect (issue 18): the claims request parameter kept with the
-- grant, and the queue of back-channel logout deliveries.
--
-- auth_codes.claims, families.claims: the claims request parameter of the
-- authorization request (OIDC Core §5.5) in its normalised JSON form, so
-- that the ID tokens and UserInfo answers of the grant release the claims
-- it asked for; '' when none.
ALTER TABLE auth_codes ADD COLUMN claims TEXT NOT NULL DEFAULT '';
ALTER TABLE families ADD COLUMN claims TEXT NOT NULL DEFAULT '';

-- backchannel_logouts: one row per (client, login session) whose logout
-- token is still to be delivered (OIDC Back-Channel Logout 1.0 §2.5).
-- Rows are added in the transaction that ends the session (sign-out,
-- password change, disabling or deleting the user), for each client with
-- a backchannel_logout_uri that holds a family of that session. A worker
-- claims due rows for lease_until (lease_id names its claim), then deletes
-- a delivered or abandoned row, or pushes next_attempt_at back by an
-- exponential back-off and counts the attempt. Times are unix
-- microseconds.
CREATE TABLE backchannel_logouts (
	client_id       TEXT NOT NULL,
	session_id      TEXT NOT NULL,
	subject         TEXT NOT NULL,
	created_at      BIGINT NOT NULL,
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at BIGINT NOT NULL,
	lease_id        TEXT NOT NULL DEFAULT '',
	lease_until     BIGINT NOT NULL DEFAULT 0,
	last_error      TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (client_id, session_id)
);
CREATE INDEX backchannel_logouts_next_attempt_at ON backchannel_logouts (next_attempt_at);
CREATE INDEX families_session_id ON families (session_id);
