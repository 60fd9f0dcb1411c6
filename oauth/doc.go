// Package oauth is the protocol vocabulary of OAuth 2.0 shared by the core
// and every adapter: the error type with its RFC 6749 §5.2 codes and HTTP
// statuses, and scope strings (RFC 6749 §3.3). It knows nothing of HTTP
// beyond status numbers.
package oauth
