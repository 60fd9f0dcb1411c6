// Package clientmeta is the JSON form of an OAuth client: the client
// metadata of RFC 7591 §2 (client_id, client_name, grant_types, scope,
// redirect_uris, token_endpoint_auth_method, ...) plus tokenmint's own
// per-client settings (token_format, the lifetimes in seconds, audience,
// claims, profile, ...). The admin API (/admin/v1/clients) and dynamic
// client registration (RFC 7591, RFC 7592) both read and write clients
// through it, so that a member means the same thing on either.
//
// It has three parts:
//   - Metadata, a client as answered (FromClient), with its secret or API
//     key only in the answer that generated them;
//   - Fields, a client as a request gives it: each member nil when absent,
//     decoded by Decode, which refuses unknown members, members given
//     twice and values of the wrong type, naming the member;
//   - the conversions: Fields.Spec builds the registry.ClientSpec of a new
//     client (a profile's defaults fill the members the request left out,
//     the members it gave are explicit), Fields.Apply changes only the
//     members a request gave (PATCH).
//
// Every error is an *Error carrying the RFC 7591 §3.2.2 code
// (invalid_redirect_uri or invalid_client_metadata) and the member it is
// about; Validation classifies the errors of registry and
// tokenmint.Client.Validate the same way.
package clientmeta
