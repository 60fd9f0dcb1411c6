-- tokenmint schema, version 1. Portable SQL: BLOB becomes BYTEA on
-- PostgreSQL. Times are BIGINT unix microseconds (NULL when zero, except
-- the NOT NULL deadline columns), durations BIGINT nanoseconds, lists and
-- maps JSON text. There are no foreign keys: an authorization code names
-- the family its tokens will belong to before that family exists, and
-- every cascade the Store promises is written out in Go, in one
-- transaction, where it can be read and tested.

CREATE TABLE revision (
	id    INTEGER PRIMARY KEY,
	value BIGINT NOT NULL
);
INSERT INTO revision (id, value) VALUES (1, 0);

CREATE TABLE clients (
	id               TEXT PRIMARY KEY,
	name             TEXT NOT NULL,
	secret_hash      BLOB,
	public           BOOLEAN NOT NULL,
	api_key_hash     BLOB,
	grant_types      TEXT NOT NULL,
	scopes           TEXT NOT NULL,
	default_scopes   TEXT NOT NULL,
	redirect_uris    TEXT NOT NULL,
	audience         TEXT NOT NULL,
	token_format     TEXT NOT NULL,
	signing_alg      TEXT NOT NULL,
	access_ttl       BIGINT NOT NULL,
	idle_ttl         BIGINT NOT NULL,
	refresh_ttl      BIGINT NOT NULL,
	claims           TEXT NOT NULL,
	allow_plain_pkce BOOLEAN NOT NULL,
	require_consent  BOOLEAN NOT NULL,
	created_at       BIGINT,
	updated_at       BIGINT
);

CREATE TABLE users (
	id            TEXT PRIMARY KEY,
	username      TEXT NOT NULL UNIQUE,
	email         TEXT NOT NULL,
	name          TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	created_at    BIGINT,
	updated_at    BIGINT
);

-- active_until is the effective expiry (the earlier of expires_at and
-- last_used_at + idle_ttl), kept up to date by TouchAccessToken so that the
-- janitor finds idle-expired tokens through an index.
CREATE TABLE access_tokens (
	id           TEXT PRIMARY KEY,
	format       TEXT NOT NULL,
	client_id    TEXT NOT NULL,
	subject      TEXT NOT NULL,
	scopes       TEXT NOT NULL,
	audience     TEXT NOT NULL,
	family_id    TEXT NOT NULL,
	issued_at    BIGINT,
	expires_at   BIGINT NOT NULL,
	idle_ttl     BIGINT NOT NULL,
	last_used_at BIGINT,
	active_until BIGINT NOT NULL
);
CREATE INDEX access_tokens_active_until ON access_tokens (active_until);
CREATE INDEX access_tokens_client_id ON access_tokens (client_id);
CREATE INDEX access_tokens_family_id ON access_tokens (family_id);

CREATE TABLE revoked_jwts (
	jti        TEXT PRIMARY KEY,
	client_id  TEXT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX revoked_jwts_expires_at ON revoked_jwts (expires_at);

CREATE TABLE families (
	id         TEXT PRIMARY KEY,
	client_id  TEXT NOT NULL,
	subject    TEXT NOT NULL,
	scopes     TEXT NOT NULL,
	auth_time  BIGINT,
	created_at BIGINT,
	expires_at BIGINT NOT NULL,
	revoked_at BIGINT
);
CREATE INDEX families_client_id ON families (client_id);
CREATE INDEX families_subject ON families (subject);
CREATE INDEX families_expires_at ON families (expires_at);

CREATE TABLE refresh_tokens (
	id         TEXT PRIMARY KEY,
	family_id  TEXT NOT NULL,
	client_id  TEXT NOT NULL,
	subject    TEXT NOT NULL,
	scopes     TEXT NOT NULL,
	issued_at  BIGINT,
	expires_at BIGINT NOT NULL,
	used_at    BIGINT
);
CREATE INDEX refresh_tokens_family_id ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_client_id ON refresh_tokens (client_id);
CREATE INDEX refresh_tokens_expires_at ON refresh_tokens (expires_at);

CREATE TABLE auth_codes (
	id                    TEXT PRIMARY KEY,
	family_id             TEXT NOT NULL,
	client_id             TEXT NOT NULL,
	redirect_uri          TEXT NOT NULL,
	subject               TEXT NOT NULL,
	scopes                TEXT NOT NULL,
	nonce                 TEXT NOT NULL,
	code_challenge        TEXT NOT NULL,
	code_challenge_method TEXT NOT NULL,
	auth_time             BIGINT,
	issued_at             BIGINT,
	expires_at            BIGINT NOT NULL,
	used_at               BIGINT
);
CREATE INDEX auth_codes_client_id ON auth_codes (client_id);
CREATE INDEX auth_codes_subject ON auth_codes (subject);
CREATE INDEX auth_codes_expires_at ON auth_codes (expires_at);

-- At most one current (unrotated) key per algorithm: two instances
-- creating the first key together get ErrConflict for the second.
CREATE TABLE signing_keys (
	id          TEXT PRIMARY KEY,
	alg         TEXT NOT NULL,
	public_jwk  BLOB,
	private_enc BLOB,
	created_at  BIGINT,
	rotated_at  BIGINT,
	retire_at   BIGINT
);
CREATE UNIQUE INDEX signing_keys_current ON signing_keys (alg) WHERE rotated_at IS NULL;
CREATE INDEX signing_keys_retire_at ON signing_keys (retire_at);

CREATE TABLE login_sessions (
	id         TEXT PRIMARY KEY,
	user_id    TEXT NOT NULL,
	auth_time  BIGINT,
	expires_at BIGINT NOT NULL
);
CREATE INDEX login_sessions_user_id ON login_sessions (user_id);
CREATE INDEX login_sessions_expires_at ON login_sessions (expires_at);
