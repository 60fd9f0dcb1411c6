-- Master key rotation (issue 19 item 7).
--
-- master_key.hash_keys: the keys of the keyed hashes that name client
-- secrets, tokens and sessions (token.Keys), sealed under the current
-- master key. A rotation re-encrypts signing keys and client_secret_jwt
-- secrets under the new master key, but a hash cannot be recomputed
-- without the secret it hashes, so these keys are carried over. No row
-- until the first rotation: the keys are then derived from the master
-- key itself. rotated_at: microseconds since the epoch of the last
-- rotation.
CREATE TABLE master_key (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	hash_keys  BLOB NOT NULL,
	rotated_at BIGINT NOT NULL
);
