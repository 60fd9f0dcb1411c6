package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/tokenmint/tokenmint"
)

const clientCols = `id, name, secret_hash, public, api_key_hash, grant_types, scopes,
	default_scopes, redirect_uris, audience, token_format, signing_alg, access_ttl,
	idle_ttl, refresh_ttl, claims, allow_plain_pkce, require_consent, created_at, updated_at,
	profile, allow_no_pkce, intersect_scopes, previous_secret_hash, previous_secret_expires_at,
	auth_method, tokens_revoked_at, jwks, jwks_uri, auth_signing_alg, secret_enc, previous_secret_enc,
	resources, introspection_alg,
	tls_client_auth_subject_dn, tls_client_auth_san_dns, tls_client_auth_san_uri, tls_client_auth_san_ip,
	tls_client_auth_san_email, tls_client_certificate_bound_access_tokens, dpop_bound_access_tokens,
	subject_type, sector_identifier_uri, backchannel_logout_uri, backchannel_logout_session_required,
	require_pushed_authorization_requests, require_signed_request_object, owner`

const selectClient = `SELECT ` + clientCols + ` FROM clients`

const insertClient = `INSERT INTO clients (` + clientCols + `)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
		?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

const updateClient = `UPDATE clients SET name = ?, secret_hash = ?, public = ?,
	api_key_hash = ?, grant_types = ?, scopes = ?, default_scopes = ?, redirect_uris = ?,
	audience = ?, token_format = ?, signing_alg = ?, access_ttl = ?, idle_ttl = ?,
	refresh_ttl = ?, claims = ?, allow_plain_pkce = ?, require_consent = ?,
	created_at = ?, updated_at = ?, profile = ?, allow_no_pkce = ?, intersect_scopes = ?,
	previous_secret_hash = ?, previous_secret_expires_at = ?, auth_method = ?, tokens_revoked_at = ?,
	jwks = ?, jwks_uri = ?, auth_signing_alg = ?, secret_enc = ?, previous_secret_enc = ?,
	resources = ?, introspection_alg = ?,
	tls_client_auth_subject_dn = ?, tls_client_auth_san_dns = ?, tls_client_auth_san_uri = ?,
	tls_client_auth_san_ip = ?, tls_client_auth_san_email = ?,
	tls_client_certificate_bound_access_tokens = ?, dpop_bound_access_tokens = ?,
	subject_type = ?, sector_identifier_uri = ?, backchannel_logout_uri = ?,
	backchannel_logout_session_required = ?, require_pushed_authorization_requests = ?,
	require_signed_request_object = ?, owner = ?
	WHERE id = ?`

// clientArgs lists c's columns in clientCols order, the ID first.
func clientArgs(c *tokenmint.Client) ([]any, error) {
	var e encoder
	args := []any{
		c.ID, c.Name, blob(c.SecretHash), c.Public, blob(c.APIKeyHash),
		e.json(c.GrantTypes), e.json(c.Scopes), e.json(c.DefaultScopes),
		e.json(c.RedirectURIs), e.json(c.Audience), c.TokenFormat, c.SigningAlg,
		int64(c.AccessTTL), int64(c.IdleTTL), int64(c.RefreshTTL), e.json(c.Claims),
		c.AllowPlainPKCE, c.RequireConsent, micros(c.CreatedAt), micros(c.UpdatedAt),
		c.Profile, c.AllowNoPKCE, c.IntersectScopes, blob(c.PreviousSecretHash), micros(c.PreviousSecretExpiresAt),
		c.AuthMethod, micros(c.TokensRevokedAt),
		string(c.JWKS), c.JWKSURI, c.AuthSigningAlg, blob(c.SecretEnc), blob(c.PreviousSecretEnc),
		e.json(c.Resources), c.IntrospectionAlg,
		c.TLSClientAuthSubjectDN, c.TLSClientAuthSANDNS, c.TLSClientAuthSANURI, c.TLSClientAuthSANIP,
		c.TLSClientAuthSANEmail, c.TLSClientCertificateBoundAccessTokens, c.DPoPBoundAccessTokens,
		c.SubjectType, c.SectorIdentifierURI, c.BackchannelLogoutURI, c.BackchannelLogoutSessionRequired,
		c.RequirePushedAuthorizationRequests, c.RequireSignedRequestObject, c.Owner,
	}
	return args, e.err
}

func scanClient(r row) (tokenmint.Client, error) {
	var c tokenmint.Client
	err := r.Scan(&c.ID, &c.Name, blobCol{&c.SecretHash}, &c.Public, blobCol{&c.APIKeyHash},
		jsonCol{&c.GrantTypes}, jsonCol{&c.Scopes}, jsonCol{&c.DefaultScopes},
		jsonCol{&c.RedirectURIs}, jsonCol{&c.Audience}, &c.TokenFormat, &c.SigningAlg,
		durCol{&c.AccessTTL}, durCol{&c.IdleTTL}, durCol{&c.RefreshTTL}, jsonCol{&c.Claims},
		&c.AllowPlainPKCE, &c.RequireConsent, timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt},
		&c.Profile, &c.AllowNoPKCE, &c.IntersectScopes, blobCol{&c.PreviousSecretHash}, timeCol{&c.PreviousSecretExpiresAt},
		&c.AuthMethod, timeCol{&c.TokensRevokedAt},
		blobCol{&c.JWKS}, &c.JWKSURI, &c.AuthSigningAlg, blobCol{&c.SecretEnc}, blobCol{&c.PreviousSecretEnc},
		jsonCol{&c.Resources}, &c.IntrospectionAlg,
		&c.TLSClientAuthSubjectDN, &c.TLSClientAuthSANDNS, &c.TLSClientAuthSANURI, &c.TLSClientAuthSANIP,
		&c.TLSClientAuthSANEmail, &c.TLSClientCertificateBoundAccessTokens, &c.DPoPBoundAccessTokens,
		&c.SubjectType, &c.SectorIdentifierURI, &c.BackchannelLogoutURI, &c.BackchannelLogoutSessionRequired,
		&c.RequirePushedAuthorizationRequests, &c.RequireSignedRequestObject, &c.Owner)
	return c, err
}

// CreateClient stores a new client; ErrConflict when the ID is taken.
func (db *DB) CreateClient(ctx context.Context, c tokenmint.Client) error {
	args, err := clientArgs(&c)
	if err != nil {
		return db.wrap("create client", err)
	}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.q(insertClient), args...); err != nil {
			return err
		}
		return db.bumpRevision(ctx, tx)
	})
	return db.wrap("create client", err)
}

// GetClient returns the client with that ID.
func (db *DB) GetClient(ctx context.Context, id string) (tokenmint.Client, error) {
	s, err := db.hot.getClient.get(ctx, db)
	if err != nil {
		return tokenmint.Client{}, db.wrap("get client", err)
	}
	c, err := scanClient(s.QueryRowContext(ctx, id))
	return c, db.wrap("get client", err)
}

// ListClients returns every client ordered by ID (bytewise, whatever the
// database collation).
func (db *DB) ListClients(ctx context.Context) ([]tokenmint.Client, error) {
	cs, err := queryAll(ctx, db.r, selectClient, scanClient)
	if err != nil {
		return nil, db.wrap("list clients", err)
	}
	slices.SortFunc(cs, func(a, b tokenmint.Client) int { return strings.Compare(a.ID, b.ID) })
	return cs, nil
}

// errIDChanged reports an update closure that changed the record's key.
var errIDChanged = errors.New("the id cannot change")

// UpdateClient loads the client (locking its row), applies update and
// stores the result in one transaction. An error from update is returned
// as is and nothing is written.
func (db *DB) UpdateClient(ctx context.Context, id string, update func(*tokenmint.Client) error) (tokenmint.Client, error) {
	var c tokenmint.Client
	var updateErr error
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		c, err = scanClient(tx.QueryRowContext(ctx, db.q(selectClient+` WHERE id = ?`+db.flavor.forUpdate), id))
		if err != nil {
			return err
		}
		if updateErr = update(&c); updateErr != nil {
			return updateErr
		}
		return db.writeClient(ctx, tx, id, &c)
	})
	if updateErr != nil {
		return tokenmint.Client{}, updateErr
	}
	if err != nil {
		return tokenmint.Client{}, db.wrap("update client", err)
	}
	return c, nil
}

func (db *DB) writeClient(ctx context.Context, tx *sql.Tx, id string, c *tokenmint.Client) error {
	if c.ID != id {
		return errIDChanged
	}
	args, err := clientArgs(c)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, db.q(updateClient), append(args[1:], id)...); err != nil {
		return err
	}
	return db.bumpRevision(ctx, tx)
}

// DeleteClient removes the client and everything issued to it: access
// tokens, refresh tokens, families and codes, and its registration. Its access tokens still in
// the database enter the revocation feed first, so that its JWTs stop
// introspecting as active although resource servers may hold them, and
// other processes drop their cached opaque records.
func (db *DB) DeleteClient(ctx context.Context, id string) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := mustAffect(tx.ExecContext(ctx, db.q(`DELETE FROM clients WHERE id = ?`), id)); err != nil {
			return err
		}
		if err := db.recordRevocations(ctx, tx, `client_id = ?`, id); err != nil {
			return err
		}
		stmts := []string{
			`DELETE FROM access_tokens WHERE client_id = ?`,
			`DELETE FROM refresh_tokens WHERE client_id = ?`,
			`DELETE FROM families WHERE client_id = ?`,
			`DELETE FROM auth_codes WHERE client_id = ?`,
			`DELETE FROM client_registrations WHERE client_id = ?`,
			`DELETE FROM device_authorizations WHERE client_id = ?`,
		}
		for _, s := range stmts {
			if _, err := tx.ExecContext(ctx, db.q(s), id); err != nil {
				return err
			}
		}
		return db.bumpRevision(ctx, tx)
	})
	return db.wrap("delete client", err)
}

// RevokeClientTokens ends everything issued to the client and keeps it:
// it marks the client's tokens_revoked_at, revokes its families, deletes
// its refresh tokens and codes, and records its access tokens in the
// revocation feed before deleting their records (as DeleteClient does,
// but for the client row).
func (db *DB) RevokeClientTokens(ctx context.Context, id string, now time.Time) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		const mark = `UPDATE clients SET tokens_revoked_at = ? WHERE id = ?`
		if err := mustAffect(tx.ExecContext(ctx, db.q(mark), micros(now), id)); err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM auth_codes WHERE client_id = ?`, `DELETE FROM device_authorizations WHERE client_id = ?`} {
			if _, err := tx.ExecContext(ctx, db.q(q), id); err != nil {
				return err
			}
		}
		if err := db.revokeFamilies(ctx, tx, `client_id = ?`, `client_id = ?`, id, now); err != nil {
			return err
		}
		return db.bumpRevision(ctx, tx)
	})
	return db.wrap("revoke client tokens", err)
}
