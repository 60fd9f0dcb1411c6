package registry

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/token"
)

// Auditor receives the audit event of each change the registry makes
// (package audit's Recorder, in the server).
type Auditor interface {
	Record(ctx context.Context, ev tokenmint.AuditEvent)
}

// actorKey is the context key of WithActor.
type actorKey struct{}

type actor struct{ typ, id string }

// WithActor returns ctx naming who makes the registry calls made with it:
// typ is one of the tokenmint.Actor* kinds and id the admin client's or
// user's ID ("" when there is none, as for the operator at the CLI). The
// audit event of each change names them. The CLI passes ActorOperator;
// the admin API passes ActorClient or ActorUser with the ID its bearer
// token authenticated. Without it, changes are recorded as made by
// tokenmint.ActorSystem (seeding, tests).
func WithActor(ctx context.Context, typ, id string) context.Context {
	return context.WithValue(ctx, actorKey{}, actor{typ, id})
}

// ActorFrom returns the actor WithActor put in ctx, or ActorSystem and "".
func ActorFrom(ctx context.Context) (typ, id string) {
	if a, ok := ctx.Value(actorKey{}).(actor); ok {
		return a.typ, a.id
	}
	return tokenmint.ActorSystem, ""
}

// record stamps ev with the actor of ctx and the registry's clock and
// hands it to the Auditor or, without one, appends it to the store at once
// (the CLI, which has no recorder running). Every method that creates,
// changes, rotates or deletes a client, user or key calls it once, after
// the change succeeded. A failure to store the event is logged, not
// returned: the change is made and its credentials must still reach the
// caller.
func (r *Registry) record(ctx context.Context, ev tokenmint.AuditEvent) {
	ev.ActorType, ev.Actor = ActorFrom(ctx)
	ev.Time = r.now()
	if ev.IP == "" {
		ev.IP = tokenmint.CallerIPFrom(ctx)
	}
	if r.Audit != nil {
		r.Audit.Record(ctx, ev)
		return
	}
	ev.ID = token.NewTimedID(ev.Time)
	ev.RequestID = tokenmint.RequestIDFrom(ctx)
	if err := r.Store.AppendAuditEvents(ctx, ev); err != nil {
		r.logger().ErrorContext(ctx, "audit event not stored", "type", ev.Type,
			"client_id", ev.ClientID, "user_id", ev.UserID, "err", err)
	}
}

func (r *Registry) logger() *slog.Logger {
	if r.Logger == nil {
		return slog.Default()
	}
	return r.Logger
}

// clientCreatedDetails says what kind of client was created (no secret).
func clientCreatedDetails(c tokenmint.Client, creds Credentials) map[string]string {
	d := map[string]string{
		"name":         c.Name,
		"grant_types":  strings.Join(c.GrantTypes, " "),
		"token_format": c.TokenFormat,
		"public":       strconv.FormatBool(c.Public),
		"api_key":      strconv.FormatBool(creds.APIKey != ""),
	}
	if c.Profile != "" {
		d["profile"] = c.Profile
	}
	if c.Owner != "" {
		d["owner"] = c.Owner
	}
	return d
}

// DeleteClient deletes the client with every token, code and family
// issued to it (tokenmint.ClientStore.DeleteClient).
func (r *Registry) DeleteClient(ctx context.Context, id string) error {
	if err := r.Store.DeleteClient(ctx, id); err != nil {
		return err
	}
	r.record(ctx, tokenmint.AuditEvent{Type: tokenmint.AuditClientDeleted, ClientID: id})
	return nil
}

// DeleteUser deletes the user, ends their login sessions and revokes
// every family issued to them (tokenmint.UserStore.DeleteUser). A user
// who owns clients (tokenmint.Client.Owner) is not deleted: the error is
// an *OwnsClientsError naming the clients, which an operator gives
// another owner (or none) or deletes first, so that no client is left
// naming an owner who is gone.
func (r *Registry) DeleteUser(ctx context.Context, id string) error {
	owned, err := r.OwnedClients(ctx, id)
	if err != nil {
		return err
	}
	if len(owned) > 0 {
		e := &OwnsClientsError{UserID: id}
		for i := range owned {
			e.ClientIDs = append(e.ClientIDs, owned[i].ID)
		}
		return e
	}
	if err := r.Store.DeleteUser(ctx, id); err != nil {
		return err
	}
	r.record(ctx, tokenmint.AuditEvent{Type: tokenmint.AuditUserDeleted, UserID: id})
	return nil
}

// KeyRotator is the signing keyset (token.Keyset) RotateKey rotates.
type KeyRotator interface {
	Rotate(ctx context.Context, alg string, retireAfter time.Duration) (tokenmint.SigningKey, error)
}

// RotateKey makes a new signing key current for alg in ks; the previous
// one keeps verifying until retireAfter has passed (token.Keyset.Rotate).
func (r *Registry) RotateKey(ctx context.Context, ks KeyRotator, alg string, retireAfter time.Duration) (tokenmint.SigningKey, error) {
	k, err := ks.Rotate(ctx, alg, retireAfter)
	if err != nil {
		return k, err
	}
	r.record(ctx, tokenmint.AuditEvent{Type: tokenmint.AuditKeyRotated,
		Details: map[string]string{"alg": k.Alg, "kid": k.ID, "retire_after": retireAfter.String()}})
	return k, nil
}
