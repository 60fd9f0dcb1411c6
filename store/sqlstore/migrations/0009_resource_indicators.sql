-- Resource indicators (RFC 8707) and JWT introspection responses (RFC
-- 9701; issue 16).
--
-- clients.resources: a JSON array of the resource indicators (absolute
-- URIs) the client may ask for; null for none, as for every client made
-- before this migration.
--
-- clients.introspection_alg: the JWS alg of the client's JWT
-- introspection responses (RFC 9701 §6
-- introspection_signed_response_alg); '' for the default, RS256.
--
-- auth_codes.resources, families.resources: the resource indicators an
-- authorization request named, bound to its code and to the family the
-- code starts, so that the token request and every refresh may ask for
-- them or fewer (RFC 8707 §2.2); null when none were named.
ALTER TABLE clients ADD COLUMN resources TEXT NOT NULL DEFAULT 'null';
ALTER TABLE clients ADD COLUMN introspection_alg TEXT NOT NULL DEFAULT '';
ALTER TABLE auth_codes ADD COLUMN resources TEXT NOT NULL DEFAULT 'null';
ALTER TABLE families ADD COLUMN resources TEXT NOT NULL DEFAULT 'null';
