-- Per-client settings of issues 16 and 18, and what the sender-constraint
-- and OpenID Connect features record with their tokens. Existing rows take
-- the defaults: no setting, bearer tokens, nothing known of the sign-in.
--
-- clients.tls_client_auth_subject_dn, _san_dns, _san_uri, _san_ip,
-- _san_email: the certificate name of a tls_client_auth client (RFC 8705
-- §2.1.2), one of them set for such a client; '' otherwise.
-- clients.tls_client_certificate_bound_access_tokens (RFC 8705 §3.4),
-- clients.dpop_bound_access_tokens (RFC 9449 §5.2): the client's tokens
-- are sender-constrained.
-- clients.subject_type ('' = public, public, pairwise) and
-- clients.sector_identifier_uri (OIDC Registration §2, Core §8.1).
-- clients.backchannel_logout_uri, backchannel_logout_session_required
-- (OIDC Back-Channel Logout §2.2).
-- clients.require_pushed_authorization_requests (RFC 9126 §6),
-- clients.require_signed_request_object (RFC 9101 §10.5).
ALTER TABLE clients ADD COLUMN tls_client_auth_subject_dn TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN tls_client_auth_san_dns TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN tls_client_auth_san_uri TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN tls_client_auth_san_ip TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN tls_client_auth_san_email TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN tls_client_certificate_bound_access_tokens BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE clients ADD COLUMN dpop_bound_access_tokens BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE clients ADD COLUMN subject_type TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN sector_identifier_uri TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN backchannel_logout_uri TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN backchannel_logout_session_required BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE clients ADD COLUMN require_pushed_authorization_requests BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE clients ADD COLUMN require_signed_request_object BOOLEAN NOT NULL DEFAULT FALSE;

-- access_tokens.cnf_jkt, cnf_x5t_s256 and families.cnf_jkt, cnf_x5t_s256:
-- the key a token (or a family's refresh tokens) is bound to, RFC 7800
-- cnf: a DPoP JWK thumbprint (RFC 9449 §6) or a certificate thumbprint
-- (RFC 8705 §3.1); '' for bearer tokens.
ALTER TABLE access_tokens ADD COLUMN cnf_jkt TEXT NOT NULL DEFAULT '';
ALTER TABLE access_tokens ADD COLUMN cnf_x5t_s256 TEXT NOT NULL DEFAULT '';
ALTER TABLE families ADD COLUMN cnf_jkt TEXT NOT NULL DEFAULT '';
ALTER TABLE families ADD COLUMN cnf_x5t_s256 TEXT NOT NULL DEFAULT '';

-- auth_codes.dpop_jkt: the DPoP key an authorization request bound its
-- code to (RFC 9449 §10); ''.
-- auth_codes, families, login_sessions .acr, .amr: how the user signed in
-- (OIDC Core §2), amr a JSON array; '' and null when unknown.
ALTER TABLE auth_codes ADD COLUMN dpop_jkt TEXT NOT NULL DEFAULT '';
ALTER TABLE auth_codes ADD COLUMN acr TEXT NOT NULL DEFAULT '';
ALTER TABLE auth_codes ADD COLUMN amr TEXT NOT NULL DEFAULT 'null';
ALTER TABLE families ADD COLUMN acr TEXT NOT NULL DEFAULT '';
ALTER TABLE families ADD COLUMN amr TEXT NOT NULL DEFAULT 'null';
ALTER TABLE login_sessions ADD COLUMN acr TEXT NOT NULL DEFAULT '';
ALTER TABLE login_sessions ADD COLUMN amr TEXT NOT NULL DEFAULT 'null';
