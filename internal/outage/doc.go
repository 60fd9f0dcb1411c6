// Package outage logs the outage of a dependency (the database, Redis)
// the way an operator wants to read it: one line when it starts, one when
// it ends with its duration, and in between at most one summary every 30
// seconds counting the failures it did not log. Without it, every
// request, poll and probe that fails logs its own warning: dozens a
// second from each instance, burying the one line that matters.
//
// A Reporter keeps one dependency's state. Handler, a slog.Handler in
// front of the server's own, hands a Reporter every warning its Route
// matches (for the database: a record whose "err" wraps
// tokenmint.ErrUnavailable), so that no call site needs to know of
// outages; whoever sees the dependency answer again (the server's
// heartbeat, while the Reporter is Down) calls Recovered.
package outage
