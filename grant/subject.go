package grant

import (
	"context"
	"errors"
	"strings"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/oauth"
)

// ClientSubject is the sub of user userID as client c sees it (OIDC Core
// §8): the user ID for a public subject type, else the pairwise
// identifier of §8.1, base64url(HMAC-SHA256(salt, sector || 0 || user
// ID)) under a salt derived from the server's stable keys
// (token.PurposePairwiseSubject). §8.1 hashes sector, local sub and salt
// with SHA-256; the HMAC keyed by the salt is the keyed form of the same,
// and the separator keeps "a.example"+"bc" apart from "a.exampleb"+"c".
// Every client of one sector sees one sub, clients of different sectors
// unrelated ones. A client whose sector cannot be determined (its
// registration no longer validates) sees the empty string.
func (e *Engine) ClientSubject(c *tokenmint.Client, userID string) string {
	if c.SubjectType != tokenmint.SubjectPairwise {
		return userID
	}
	sector, err := c.PairwiseSector()
	if err != nil {
		return ""
	}
	return e.pairwise.ID(sector + "\x00" + userID)
}

// tokenSubject is the sub of a token of client c for subject: the
// client's view of the user (ClientSubject) for a token of a user's
// authorization (a family), subject itself for the client's own tokens
// (client_credentials: the client ID). Resource servers of a pairwise
// client therefore see the sub its ID tokens carry: they serve that
// client, and a user's identifier must not link them to other sectors.
func (e *Engine) tokenSubject(c *tokenmint.Client, familyID, subject string) string {
	if familyID == "" {
		return subject
	}
	return e.ClientSubject(c, subject)
}

// SessionID is the sid of login session sessionID (a LoginSession.ID) in
// ID tokens and logout tokens (OIDC Back-Channel Logout 1.0 §2.1, Front-
// Channel Logout §3): a keyed hash of the record ID under
// token.PurposeSessionID, so that the value relying parties see is
// neither the session cookie nor the database key. "" for "".
func (e *Engine) SessionID(sessionID string) string {
	if sessionID == "" {
		return ""
	}
	return e.sids.ID(sessionID)
}

// localUser is the user ID behind an access token that a resource served
// by tokenmint reads (UserInfo): the token's sub, except for the JWT of a
// pairwise client, whose sub is the pairwise identifier and whose record
// (by jti) names the user.
func (e *Engine) localUser(ctx context.Context, info *Introspection) (string, error) {
	if info.user != "" {
		return info.user, nil
	}
	rec, err := e.cfg.Store.GetAccessToken(ctx, info.JTI)
	if errors.Is(err, tokenmint.ErrNotFound) {
		return "", oauth.NewError(oauth.InvalidToken, "the access token does not name a user")
	}
	if err != nil {
		return "", storeError("get access token record", err)
	}
	return rec.Subject, nil
}

// ACR values tokenmint can state (OIDC Core §2 acr): every sign-in is a
// password on the login page, a single factor.
const (
	// ACRPassword: the user signed in with their username and password.
	ACRPassword = "urn:tokenmint:pwd"
	// ACRNone is "0" of OIDC Core §2: the sign-in does not meet ISO/IEC
	// 29115 level 1 (a remembered session may well be all it is), which
	// any sign-in satisfies.
	ACRNone = "0"
	// AMRPassword is the amr of a password sign-in (RFC 8176 §2 "pwd").
	AMRPassword = "pwd"
)

// ACRValuesSupported lists ACRPassword and ACRNone (OIDC Discovery §3
// acr_values_supported).
var ACRValuesSupported = []string{ACRPassword, ACRNone}

// chooseACR picks the acr of an authorization (OIDC Core §3.1.2.1
// acr_values, §5.5.1.1): the first requested value the sign-in meets,
// else ACRPassword. ok is false when the claims parameter asked for acr
// as essential and no value it names can be met.
func chooseACR(acrValues string, cr *ClaimsRequest) (acr string, ok bool) {
	if q := idTokenClaim(cr, "acr"); q != nil {
		wanted := acrQueryValues(q)
		for _, v := range wanted {
			if metACR(v) {
				return v, true
			}
		}
		if q.Essential && len(wanted) > 0 {
			return "", false
		}
	}
	for _, v := range strings.Fields(acrValues) {
		if metACR(v) {
			return v, true
		}
	}
	return ACRPassword, true
}

// metACR reports whether a password sign-in meets acr value v.
func metACR(v string) bool { return v == ACRPassword || v == ACRNone }

// idTokenClaim is the query of claim in the id_token member, nil when
// absent or asked for in the default manner.
func idTokenClaim(cr *ClaimsRequest, claim string) *ClaimRequest {
	if cr == nil {
		return nil
	}
	return cr.IDToken[claim]
}

// acrQueryValues are the string values a claim query names (value, values).
func acrQueryValues(q *ClaimRequest) []string {
	var out []string
	if s, ok := q.Value.(string); ok {
		out = append(out, s)
	}
	for _, v := range q.Values {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// accessFamily is the family of the access token info describes: read from
// its record (an opaque token's, or a family JWT's by jti); "" for a
// token of none.
func (e *Engine) accessFamily(ctx context.Context, info *Introspection) (string, error) {
	if info.recordID != "" {
		return info.familyID, nil
	}
	if info.JTI == "" {
		return "", nil
	}
	rec, err := e.cfg.Store.GetAccessToken(ctx, info.JTI)
	if errors.Is(err, tokenmint.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", storeError("get access token record", err)
	}
	return rec.FamilyID, nil
}
