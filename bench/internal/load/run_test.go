package load

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fixedSource sends the same request forever.
type fixedSource struct {
	req      []byte
	observed *atomic.Int64
}

func (s *fixedSource) Next(buf []byte) ([]byte, error) { return append(buf, s.req...), nil }
func (s *fixedSource) Observe(status int, body []byte) {
	if s.observed != nil {
		s.observed.Add(1)
	}
}

// poolSource hands out a limited number of requests shared by all workers.
type poolSource struct {
	req  []byte
	left *atomic.Int64
}

func (s *poolSource) Next(buf []byte) ([]byte, error) {
	if s.left.Add(-1) < 0 {
		return nil, ErrExhausted
	}
	return append(buf, s.req...), nil
}
func (s *poolSource) Observe(int, []byte) {}

func statusServer(t *testing.T) (host string) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/"))
		w.WriteHeader(code)
		w.Write([]byte("x"))
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func TestRunCountsStatuses(t *testing.T) {
	host := statusServer(t)
	tests := []struct {
		name   string
		path   string
		rate   float64
		wantOK bool
	}{
		{"closed loop 200", "/200", 0, true},
		{"closed loop 503", "/503", 0, false},
		{"open loop 200", "/200", 400, true},
		{"open loop 404", "/404", 400, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var observed atomic.Int64
			opts := Options{Addr: host, Conns: 4, Warmup: 20 * time.Millisecond, Duration: 500 * time.Millisecond, Rate: tt.rate}
			r, err := Run(context.Background(), opts, func(int) (Source, error) {
				return &fixedSource{req: AppendRequest(nil, "GET", tt.path, host, nil, nil), observed: &observed}, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if r.Answers == 0 || r.Errors != 0 || uint64(r.Answers) != r.Latency.Count() {
				t.Fatalf("answers=%d errors=%d (%s) histogram=%d", r.Answers, r.Errors, r.FirstError, r.Latency.Count())
			}
			if observed.Load() < r.Answers {
				t.Errorf("observed %d < answers %d", observed.Load(), r.Answers)
			}
			if tt.wantOK && (r.OK != r.Answers || r.NonOK() != 0) {
				t.Errorf("ok=%d answers=%d nonOK=%d", r.OK, r.Answers, r.NonOK())
			}
			if !tt.wantOK && (r.OK != 0 || r.NonOK() != r.Answers) {
				t.Errorf("ok=%d nonOK=%d, want all non-2xx", r.OK, r.NonOK())
			}
			code, _ := strconv.Atoi(tt.path[1:])
			if code >= 500 && r.Count5xx() != r.Answers {
				t.Errorf("5xx=%d answers=%d", r.Count5xx(), r.Answers)
			}
		})
	}
}

// TestOpenLoopSendsTheSchedule checks the open loop sends exactly
// rate × duration measured requests (plus the warm-up), however many
// connections there are.
func TestOpenLoopSendsTheSchedule(t *testing.T) {
	host := statusServer(t)
	var observed atomic.Int64
	opts := Options{Addr: host, Conns: 7, Warmup: 100 * time.Millisecond, Duration: 500 * time.Millisecond, Rate: 200}
	r, err := Run(context.Background(), opts, func(int) (Source, error) {
		return &fixedSource{req: AppendRequest(nil, "GET", "/200", host, nil, nil), observed: &observed}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.Answers != 100 || observed.Load() != 120 {
		t.Errorf("measured %d (want 100), sent %d (want 120)", r.Answers, observed.Load())
	}
}

// TestOpenLoopCountsQueueing stalls the server once: requests due during
// the stall must carry the wait in their latency (no coordinated
// omission), which a closed loop with one connection would record as a
// single slow request.
func TestOpenLoopCountsQueueing(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 20 {
			time.Sleep(400 * time.Millisecond)
		}
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	opts := Options{Addr: host, Conns: 1, Duration: time.Second, Rate: 100}
	r, err := Run(context.Background(), opts, func(int) (Source, error) {
		return &fixedSource{req: AppendRequest(nil, "GET", "/", host, nil, nil)}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// About 40 requests fall due during the 400 ms stall; at least 20 of
	// them must have waited over 100 ms, so p75 is at least that.
	if p := r.Latency.QuantileDuration(0.75); p < 100*time.Millisecond {
		t.Errorf("p75 = %v: the stall's queueing was omitted", p)
	}
}

func TestRunStopsWhenSourceIsExhausted(t *testing.T) {
	host := statusServer(t)
	var left atomic.Int64
	left.Store(50)
	opts := Options{Addr: host, Conns: 3, Duration: 10 * time.Second}
	r, err := Run(context.Background(), opts, func(int) (Source, error) {
		return &poolSource{req: AppendRequest(nil, "GET", "/200", host, nil, nil), left: &left}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Exhausted || r.OK != 50 || r.Elapsed >= 10*time.Second {
		t.Errorf("exhausted=%v ok=%d elapsed=%v", r.Exhausted, r.OK, r.Elapsed)
	}
}

func TestRunHonoursContext(t *testing.T) {
	host := statusServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	opts := Options{Addr: host, Conns: 2, Duration: time.Minute, Rate: 10}
	_, err := Run(ctx, opts, func(int) (Source, error) {
		return &fixedSource{req: AppendRequest(nil, "GET", "/200", host, nil, nil)}, nil
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
}

func TestRunRejectsBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{"no addr", Options{Conns: 1, Duration: time.Second}},
		{"no conns", Options{Addr: "x:1", Duration: time.Second}},
		{"no duration", Options{Addr: "x:1", Conns: 1}},
		{"negative rate", Options{Addr: "x:1", Conns: 1, Duration: time.Second, Rate: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Run(context.Background(), tt.opts, nil); err == nil {
				t.Fatal("want an error")
			}
		})
	}
}

func TestTransportErrorsAreCounted(t *testing.T) {
	addr := rawServer(t, "garbage\r\n\r\n")
	opts := Options{Addr: addr, Conns: 2, Duration: 200 * time.Millisecond}
	r, err := Run(context.Background(), opts, func(int) (Source, error) {
		return &fixedSource{req: AppendRequest(nil, "GET", "/", addr, nil, nil)}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.Errors == 0 || r.OK != 0 || r.FirstError == "" || r.NonOK() != r.Errors {
		t.Errorf("errors=%d ok=%d first=%q", r.Errors, r.OK, r.FirstError)
	}
}
