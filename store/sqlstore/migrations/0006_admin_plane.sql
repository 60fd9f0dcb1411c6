-- The admin plane (issue 15).
--
-- clients.previous_secret_hash, clients.previous_secret_expires_at: the
-- keyed hash of the secret a rotation replaced and when it stops being
-- accepted (the grace period of POST /admin/v1/clients/{id}/secret);
-- NULL when there is none.
--
-- clients.auth_method: the token endpoint authentication method the
-- client registered (RFC 7591 token_endpoint_auth_method); '' when not
-- stated, as for every client made before this migration.
--
-- clients.tokens_revoked_at: every access token issued to the client at
-- or before this instant is inactive (POST .../revoke-tokens), including
-- the client_credentials JWTs no row records; NULL when never.
--
-- users.roles: a JSON array of the user's roles ("admin"); none for
-- every user made before this migration.
ALTER TABLE clients ADD COLUMN previous_secret_hash BLOB;
ALTER TABLE clients ADD COLUMN previous_secret_expires_at BIGINT;
ALTER TABLE clients ADD COLUMN auth_method TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN tokens_revoked_at BIGINT;
ALTER TABLE users ADD COLUMN roles TEXT NOT NULL DEFAULT '[]';
