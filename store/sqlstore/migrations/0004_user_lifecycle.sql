-- The lifecycle of a user's sign-ins (issue 13).
--
-- users.disabled_at: when the user was disabled (NULL while enabled); a
-- disabled user cannot sign in.
--
-- auth_codes.session_id, families.session_id: the browser login session
-- (login_sessions.id) that an authorization code was issued in, carried to
-- the family the code starts, so that revoking a token of that family can
-- also end the session (Eptura's revoke "can log out"). '' when the code
-- was not issued in a browser session (a dialect's headless sign-in, the
-- password grant), and for rows written before this migration.
ALTER TABLE users ADD COLUMN disabled_at BIGINT;
ALTER TABLE auth_codes ADD COLUMN session_id TEXT NOT NULL DEFAULT '';
ALTER TABLE families ADD COLUMN session_id TEXT NOT NULL DEFAULT '';
