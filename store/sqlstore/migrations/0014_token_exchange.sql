-- Token exchange (RFC 8693) and the JWT bearer grant as workload identity
-- federation (RFC 7523 §2.1; issue 18).
--
-- clients.token_exchange_subject_issuers: a JSON array of the issuers
-- whose tokens the client may exchange ("self" for tokenmint's own, or
-- the issuer of one of its trusts); null: tokenmint's alone.
-- clients.token_exchange_audiences: a JSON array of the audience values a
-- token exchange of the client may name; null for none.
-- clients.jwt_bearer_trusts: a JSON array of the external issuers the
-- client trusts, each {issuer, audience, subject, claims, scopes}; null
-- for none.
-- access_tokens.act: the act claim of a token issued by delegation (RFC
-- 8693 §4.1), a JSON object; '' for none.
ALTER TABLE clients ADD COLUMN token_exchange_subject_issuers TEXT NOT NULL DEFAULT 'null';
ALTER TABLE clients ADD COLUMN token_exchange_audiences TEXT NOT NULL DEFAULT 'null';
ALTER TABLE clients ADD COLUMN jwt_bearer_trusts TEXT NOT NULL DEFAULT 'null';
ALTER TABLE access_tokens ADD COLUMN act TEXT NOT NULL DEFAULT '';
