// Command tokenmint is the OAuth 2.0 / OpenID Connect authorization server
// and its administration tool, in one binary:
//
//	tokenmint serve                       run the server
//	tokenmint migrate                     create or upgrade the database schema
//	tokenmint client create|list|get|update|delete|rotate-secret|rotate-api-key
//	tokenmint user create|list|get|delete|set-password|disable|enable
//	tokenmint keys list|rotate            inspect and rotate JWT signing keys
//	tokenmint apply -f FILE               create or update the clients and users a manifest declares
//	tokenmint export                      print them all as a manifest, without credentials
//	tokenmint import --from rfc7591|hydra FILE   bring in another server's clients
//	tokenmint version
//	tokenmint help [COMMAND]              or COMMAND -h
//
// Remote mode: every client, user and keys command acts on a running
// server's admin API instead of the database when given --server URL (the
// admin listener; TOKENMINT_SERVER), with the same flags and the same
// output (a client's updated_at aside, which the API does not answer).
// It authenticates with --token (TOKENMINT_ADMIN_TOKEN), an access token
// whose scope holds tokenmint:admin or the command's scope, or with an
// admin client's --client-id and --client-secret
// (TOKENMINT_ADMIN_CLIENT_ID, TOKENMINT_ADMIN_CLIENT_SECRET), for which
// it gets a token at --token-url (TOKENMINT_TOKEN_URL) or at the
// token_endpoint of the issuer's RFC 8414 metadata, --issuer
// (TOKENMINT_ISSUER): the admin listener's URL is not the issuer's. See
// remote.go and remote_backend.go (package adminclient).
//
// Every command that touches the database reads its settings like serve
// does (flags > TOKENMINT_* environment > --config YAML file > defaults,
// see docs/configuration.md), so TOKENMINT_DATABASE applies everywhere.
//
// Output: --output json|table. Commands that print one object (create,
// get, rotate-secret, rotate-api-key) default to json; commands that print
// a list or a confirmation (list, delete, set-password, keys list, keys
// rotate) default to table, and their json form is an array or object.
// Secrets are printed only by client create, rotate-secret and
// rotate-api-key, and by apply and import for the credentials they
// generate. Manifests (package manifest) name credentials by reference,
// never in clear. Passwords are read from standard input
// (--password-stdin), never from flags, which other users can see in ps.
//
// Exit status: 0 on success, 2 for usage errors (unknown flag, bad value,
// missing argument), 1 for failures while running. Errors are one line on
// standard error: "tokenmint: client create: --access-ttl: invalid
// duration "abc" (use Go durations like 15m, 2h)".
//
// main only wires the process (signals, os.Args, standard streams) and
// calls run, which tests drive in-process.
package main
