-- The owner of a client (issue 17): the ID of the user who manages it
-- through the self-service pages (/apps/), '' for a client only
-- operators manage, as for every client made before this migration. The
-- partial index serves the self-service listing of one user's clients
-- and leaves the operators' clients out of it.
ALTER TABLE clients ADD COLUMN owner TEXT NOT NULL DEFAULT '';
CREATE INDEX clients_owner ON clients (owner) WHERE owner <> '';
