package server

import (
	"sort"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/tokenmint/tokenmint/internal/buildinfo"
	"github.com/tokenmint/tokenmint/store/sqlstore"
	"github.com/tokenmint/tokenmint/token"
)

// registerOpsMetrics exposes what explains a failure or a slowdown
// besides the request counters of httpapi.Metrics: the build, the
// client cache's hits, the database pools' use (go_sql_*), the group
// commits' sizes and the signing keys' age. All of them are read when
// Prometheus scrapes, so none costs the request path anything.
func (s *Server) registerOpsMetrics(db *sqlstore.DB) {
	reg := s.metrics.Registry()
	b := buildinfo.Read()
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "tokenmint_build_info",
		Help: "The running build (always 1): module version, VCS revision and time, modified tree, Go version.",
		ConstLabels: prometheus.Labels{"version": b.Version, "revision": b.Revision, "vcs_time": b.Time,
			"modified": strconv.FormatBool(b.Modified), "goversion": b.GoVersion},
	}, func() float64 { return 1 }))
	for _, r := range []struct {
		result string
		count  func() uint64
	}{
		{"hit", func() uint64 { return s.store.Clients().Stats().Hits }},
		{"miss", func() uint64 { return s.store.Clients().Stats().Misses }},
	} {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "tokenmint_client_cache_lookups_total",
			Help:        "Client record lookups of the engine, by whether memory answered (hit) or the database (miss).",
			ConstLabels: prometheus.Labels{"result": r.result},
		}, func() float64 { return float64(r.count()) }))
	}
	pools := db.Pools()
	names := make([]string, 0, len(pools))
	for name := range pools {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		reg.MustRegister(collectors.NewDBStatsCollector(pools[name], name))
	}
	reg.MustRegister(groupCommitCollector{db}, keyAgeCollector{keys: s.keys, now: s.now})
}

// groupCommitSizes are the buckets of tokenmint_db_group_commit_size.
var groupCommitSizes = []float64{1, 2, 4, 8, 16, 32, 64}

var groupCommitDesc = prometheus.NewDesc("tokenmint_db_group_commit_size",
	"Callers' writes per group commit: rows per multi-row token INSERT (kind=insert), bodies per shared write transaction of the user grants (kind=transaction, SQLite).",
	[]string{"kind"}, nil)

// groupCommitCollector turns sqlstore.GroupCommitStats into histograms.
type groupCommitCollector struct{ db *sqlstore.DB }

func (c groupCommitCollector) Describe(ch chan<- *prometheus.Desc) { ch <- groupCommitDesc }

func (c groupCommitCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.db.GroupCommitStats()
	for _, k := range []struct {
		kind   string
		counts []uint64
	}{{"insert", st.Inserts}, {"transaction", st.Transactions}} {
		if k.counts == nil {
			continue
		}
		count, sum, buckets := histogramOf(k.counts, groupCommitSizes)
		ch <- prometheus.MustNewConstHistogram(groupCommitDesc, count, sum, buckets, k.kind)
	}
}

// histogramOf makes a histogram of counts, indexed by value, with the
// given upper bounds.
func histogramOf(counts []uint64, bounds []float64) (count uint64, sum float64, buckets map[float64]uint64) {
	buckets = make(map[float64]uint64, len(bounds))
	for size, n := range counts {
		count += n
		sum += float64(size) * float64(n)
		for _, b := range bounds {
			if float64(size) <= b {
				buckets[b] += n
			}
		}
	}
	return count, sum, buckets
}

var keyAgeDesc = prometheus.NewDesc("tokenmint_signing_key_age_seconds",
	"Age of the current signing key of each algorithm: how long since it was created (rotate with tokenmint keys rotate).",
	[]string{"alg", "kid"}, nil)

// keyAgeCollector reports the age of the current signing keys.
type keyAgeCollector struct {
	keys *token.Keyset
	now  func() time.Time
}

func (c keyAgeCollector) Describe(ch chan<- *prometheus.Desc) { ch <- keyAgeDesc }

func (c keyAgeCollector) Collect(ch chan<- prometheus.Metric) {
	now := c.now()
	for _, k := range c.keys.Keys() {
		if k.Current() {
			ch <- prometheus.MustNewConstMetric(keyAgeDesc, prometheus.GaugeValue, now.Sub(k.CreatedAt).Seconds(), k.Alg, k.ID)
		}
	}
}
