-- The per-client policy of the platform profiles (issue 13): which
-- platform's defaults the client was made with, whether it may use that
-- platform's browser flow without PKCE, and whether a requested scope is
-- narrowed to what it may have rather than refused. Existing clients are
-- standard clients: no profile, PKCE required, exact scopes.
ALTER TABLE clients ADD COLUMN profile TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN allow_no_pkce BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE clients ADD COLUMN intersect_scopes BOOLEAN NOT NULL DEFAULT FALSE;
