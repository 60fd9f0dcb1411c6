-- Client authentication with signed assertions (issue 16):
-- private_key_jwt and client_secret_jwt (RFC 7523 §2.2, OIDC Core §9).
--
-- clients.jwks: the client's JWK Set (public keys only), as JSON; ''
-- when it has none. clients.jwks_uri: the URL it is fetched from
-- instead; ''. clients.auth_signing_alg: its
-- token_endpoint_auth_signing_alg; '' allows the defaults.
-- (clients.auth_method, the token_endpoint_auth_method, came with 0006.)
--
-- clients.secret_enc, clients.previous_secret_enc: for a
-- client_secret_jwt client only, its secret (and the one a rotation
-- replaced, while previous_secret_expires_at lasts) sealed with
-- AES-256-GCM under a key derived from the master key: the server must
-- read the secret back to verify an HMAC of it. NULL for every other
-- client, whose secret exists only as its keyed hash.
--
-- used_ids: identifiers that may be used once (ReplayStore.UseOnce),
-- such as the jti of a client assertion, until expires_at; id is the
-- purpose, a space and a hash of what the client chose. The janitor
-- deletes rows past expires_at.
ALTER TABLE clients ADD COLUMN jwks TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN jwks_uri TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN auth_signing_alg TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN secret_enc BLOB;
ALTER TABLE clients ADD COLUMN previous_secret_enc BLOB;

CREATE TABLE used_ids (
	id         TEXT PRIMARY KEY,
	expires_at BIGINT NOT NULL
);
CREATE INDEX used_ids_expires_at ON used_ids (expires_at);
