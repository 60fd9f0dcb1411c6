-- Dynamic client registration (RFC 7591, RFC 7592; issue 15).
--
-- registration_tokens: the initial access tokens an operator mints with
-- `tokenmint registration-token create`. id is the token's keyed hash;
-- remaining counts the registrations it may still make, decremented in
-- the transaction that stores the client (a guarded UPDATE, so that
-- concurrent registrations cannot overspend it).
--
-- client_registrations: for each client made by the registration
-- endpoint, the keyed hash of its registration access token (RFC 7592
-- §1). Deleted with the client.
CREATE TABLE registration_tokens (
	id         TEXT PRIMARY KEY,
	max_uses   BIGINT NOT NULL,
	remaining  BIGINT NOT NULL,
	created_at BIGINT,
	expires_at BIGINT NOT NULL
);
CREATE INDEX registration_tokens_expires_at ON registration_tokens (expires_at);

CREATE TABLE client_registrations (
	client_id         TEXT PRIMARY KEY,
	access_token_hash BLOB NOT NULL,
	created_at        BIGINT
);
