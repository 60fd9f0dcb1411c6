package grant

import (
	"context"
	"errors"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/oauth"
)

// Span names of the engine's steps of a token request, children of the
// request's span: the client authenticated, the grant run, the token
// issued (minted, signed and stored).
const (
	SpanAuthenticateClient = "grant.authenticate_client"
	SpanGrantPrefix        = "grant." // + the grant type: grant.client_credentials
	SpanIssueToken         = "grant.issue_token"
)

// tracerScope is the instrumentation scope of the engine's spans.
const tracerScope = "github.com/tokenmint/tokenmint/grant"

// noSpan is what startSpan returns when tracing is off: the API's
// non-recording span, whose methods do nothing.
var noSpan = trace.SpanFromContext(context.Background())

// startSpan starts a step's span, or does nothing at all (no context
// allocated) when the engine has no tracer.
func (e *Engine) startSpan(ctx context.Context, name string) (context.Context, trace.Span) {
	if e.tracer == nil {
		return ctx, noSpan
	}
	return e.tracer.Start(ctx, name)
}

// endSpan ends a step's span with its outcome: the OAuth error code of a
// refusal (never its description, which may echo the request), or the
// error status of a failure.
func endSpan(span trace.Span, err error) {
	if err != nil && span.IsRecording() {
		var oe *oauth.Error
		if errors.As(err, &oe) {
			span.SetAttributes(attribute.String("oauth.error", oe.Code))
		}
		span.SetStatus(codes.Error, "refused or failed")
	}
	span.End()
}

// grantSpan is the span name of a grant, a constant so that naming it
// costs nothing when tracing is off.
func grantSpan(grantType string) string {
	switch grantType {
	case tokenmint.GrantClientCredentials:
		return SpanGrantPrefix + tokenmint.GrantClientCredentials
	case tokenmint.GrantAuthorizationCode:
		return SpanGrantPrefix + tokenmint.GrantAuthorizationCode
	case tokenmint.GrantRefreshToken:
		return SpanGrantPrefix + tokenmint.GrantRefreshToken
	case tokenmint.GrantPassword:
		return SpanGrantPrefix + tokenmint.GrantPassword
	}
	return SpanGrantPrefix + "other"
}
