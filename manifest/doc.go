// Package manifest is tokenmint's declarative file of clients and users:
// what `tokenmint apply -f FILE` creates or brings up to date, what
// `tokenmint export` writes, what `tokenmint serve --seed FILE` applies at
// start, and what `tokenmint import` converts other servers' exports into.
//
// A manifest is YAML:
//
//	clients:
//	  - client_id: billing                      # required: clients are matched by it
//	    client_name: Billing service
//	    grant_types: [client_credentials]
//	    scope: api read                         # RFC 7591 names, as the admin API
//	    access_token_ttl: 600                   # seconds
//	    client_secret: {env: BILLING_SECRET}    # or {file: PATH}; never the secret itself
//	    owner: alice                            # optional: the username of its owner
//	users:
//	  - username: alice                         # required: users are matched by it
//	    email: alice@example.com
//	    roles: [admin]
//	    password: {file: secrets/alice}         # relative to the manifest's folder
//
// A client entry takes the members of the admin API's client JSON
// (package clientmeta: client_name, grant_types, scope, redirect_uris,
// token_endpoint_auth_method, token_format, access_token_ttl, idle_ttl,
// refresh_token_ttl, audience, claims, profile, ...) plus two credential
// references, client_secret and api_key, and owner: the username (not
// the ID, which differs from one database to another) of the user who
// manages the client through the self-service pages, a user of the store
// or of the same manifest. A user entry takes username, email, name,
// roles, disabled and password. Unknown members are errors naming their
// line.
//
// Credentials are references, {env: NAME} or {file: PATH}, resolved when
// the manifest is applied; a secret written in clear is refused. A
// confidential client created without a client_secret reference gets a
// generated secret, a user without a password reference a generated
// password, reported once in the Result (the CLI prints them; a server
// applying a seed refuses to generate, since it would have to log them).
//
// Apply is declarative and idempotent: a client in the file is created
// with exactly its members (and its profile's defaults for the members it
// leaves out, as client create does), an existing one is brought to the
// same state, members left out returning to their defaults; credentials
// are replaced only when the reference no longer matches the stored hash.
// Applying the same file twice changes nothing and says so. Nothing is
// deleted: a client or user missing from the file is left alone.
//
// Everything is checked before anything is written: a typo in the tenth
// client fails the whole apply, not after nine were changed.
package manifest
