// Package dialect holds what the platform dialects share: the Dialect
// interface, their dependencies (Deps) and the decoding of JSON and form
// request bodies.
//
// A dialect (dialect/epc, dialect/epicollect, dialect/eptura,
// dialect/empowerid) serves one platform's token service exactly as that
// platform documents it, so that an application written against the
// platform works against tokenmint unchanged. Each is a thin translator:
// it decodes the platform's wire format (paths, headers, JSON or form
// bodies) into the request structs of package grant, calls the same
// *grant.Engine the standard endpoints call, and encodes the answer in the
// platform's shapes, status codes and units. No dialect implements a grant
// of its own, so client authentication, scope policy, PKCE, refresh token
// rotation and revocation behave identically whichever door a token came
// through, and a token issued by one dialect introspects and revokes
// through the standard endpoints and the other way round.
//
// Each platform package exports a Dialect (the interface in dialect.go),
// listed once in package dialects; the server enables those named in
// --dialects and puts their Routes in its route table. Each platform's
// package documentation lists every claim of its document with what
// tokenmint does, and why where it departs.
package dialect
