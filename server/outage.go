package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/internal/outage"
	"github.com/tokenmint/tokenmint/internal/periodic"
)

// componentRedis is the "component" attribute of every warning about
// Redis (the rate limiter's, go-redis's own through RedisLogging).
const componentRedis = "redis"

// outages are the database's and Redis's outage reporters.
type outages struct {
	db, redis *outage.Reporter
}

// withOutages returns log with its warnings about an unavailable
// database (an "err" wrapping tokenmint.ErrUnavailable) and about Redis
// (component=redis) logged as outages: once when one starts, a summary
// at most every 30 s, once when it ends (package outage).
func withOutages(log *slog.Logger) (*slog.Logger, outages) {
	base := log.Handler()
	o := outages{db: outage.New(base, "database", outage.Options{}), redis: outage.New(base, "redis", outage.Options{})}
	h := outage.NewHandler(base,
		outage.Route{Reporter: o.db, Match: func(a slog.Attr) bool {
			err, ok := a.Value.Any().(error)
			return ok && errors.Is(err, tokenmint.ErrUnavailable)
		}},
		outage.Route{Reporter: o.redis, Match: func(a slog.Attr) bool {
			return a.Key == "component" && a.Value.Kind() == slog.KindString && a.Value.String() == componentRedis
		}},
	)
	return slog.New(h), o
}

// outageHeartbeat is how often watchOutages asks a dependency that is
// down whether it answers again.
const outageHeartbeat = time.Second

// watchOutages ends the outages of the database and Redis: while one is
// going on, it pings the dependency every outageHeartbeat, and the
// first answer ends it.
func (s *Server) watchOutages(ctx context.Context) {
	periodic.Run(ctx, outageHeartbeat, func(ctx context.Context) {
		if s.outages.db.Down() && s.ready.db.Ping(ctx) == nil {
			s.outages.db.Recovered(ctx)
		}
		if s.outages.redis.Down() && s.limiter != nil && s.limiter.redis != nil && s.limiter.redis.Ping(ctx).Err() == nil {
			s.outages.redis.Recovered(ctx)
		}
	})
}

// RedisLogging adapts a logger to go-redis's (redis.SetLogger, which is
// global to the process: the CLI sets it once, in main). go-redis says
// only what went wrong, so each line is a warning with
// component=redis: during an outage, part of its story.
type RedisLogging struct{ Log *slog.Logger }

// Printf implements go-redis's internal.Logging.
func (l RedisLogging) Printf(ctx context.Context, format string, v ...any) {
	l.Log.WarnContext(ctx, strings.TrimSpace(fmt.Sprintf(format, v...)), "component", componentRedis)
}
