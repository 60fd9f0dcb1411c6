package sqlstore

import (
	"context"
	"slices"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/store/storetest"
)

// tracedOptions are quietOptions with tracing into an in-memory exporter.
func tracedOptions() (Options, *tracetest.InMemoryExporter, *sdktrace.TracerProvider) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	opts := quietOptions()
	opts.Tracing = tp
	return opts, exp, tp
}

func tracedBackends() []struct {
	name string
	open func(t *testing.T, opts Options) *DB
} {
	return []struct {
		name string
		open func(t *testing.T, opts Options) *DB
	}{
		{"SQLite", func(t *testing.T, opts Options) *DB {
			db, err := OpenSQLite(context.Background(), sqlitePath(t), opts)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		}},
		{"PostgreSQL", func(t *testing.T, opts Options) *DB {
			db, err := OpenPostgres(context.Background(), storetest.PostgresDSN(t), opts)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		}},
	}
}

// TestTraceStatements: under a span, every statement of a store call is
// a child span of it, named after its operation, with its text and the
// database system; reads, prepared statements and transactions alike.
// Outside any span (the background jobs), statements make none.
func TestTraceStatements(t *testing.T) {
	for _, b := range tracedBackends() {
		t.Run(b.name, func(t *testing.T) {
			opts, exp, tp := tracedOptions()
			db := b.open(t, opts)
			now := time.Now()
			c := tokenmint.Client{ID: "c1", Name: "c1", GrantTypes: []string{tokenmint.GrantClientCredentials}, CreatedAt: now, UpdatedAt: now}
			if err := db.CreateClient(context.Background(), c); err != nil {
				t.Fatal(err)
			}
			if n := len(exp.GetSpans()); n != 0 {
				t.Fatalf("statements outside any span made %d spans, want none", n)
			}

			ctx, parent := tp.Tracer("test").Start(context.Background(), "parent")
			if _, err := db.ListClients(ctx); err != nil { // rows
				t.Fatal(err)
			}
			if err := db.CreateAccessToken(ctx, testAccessToken("tok-1", now)); err != nil { // prepared, group commit of one
				t.Fatal(err)
			}
			if _, err := db.UpdateClient(ctx, "c1", func(c *tokenmint.Client) error { c.Name = "renamed"; return nil }); err != nil { // transaction
				t.Fatal(err)
			}
			parent.End()

			spans := exp.GetSpans()
			var ops []string
			for _, s := range spans {
				if s.Name == "parent" {
					continue
				}
				ops = append(ops, s.Name)
				if s.Parent.SpanID() != parent.SpanContext().SpanID() || s.SpanContext.TraceID() != parent.SpanContext().TraceID() {
					t.Errorf("span %q is not a child of the caller's span", s.Name)
				}
				if s.SpanKind != trace.SpanKindClient {
					t.Errorf("span %q kind = %v, want client", s.Name, s.SpanKind)
				}
				attrs := map[string]string{}
				for _, a := range s.Attributes {
					attrs[string(a.Key)] = a.Value.Emit()
				}
				if attrs["db.query.text"] == "" || attrs["db.operation.name"] != s.Name && s.Name != "BEGIN" && s.Name != "COMMIT" {
					t.Errorf("span %q attributes = %v, want its statement and operation", s.Name, attrs)
				}
				if want := map[string]string{"SQLite": "sqlite", "PostgreSQL": "postgresql"}[b.name]; attrs["db.system.name"] != want {
					t.Errorf("span %q db.system.name = %q, want %q", s.Name, attrs["db.system.name"], want)
				}
			}
			for _, want := range []string{"SELECT", "INSERT", "UPDATE"} {
				if !slices.Contains(ops, want) {
					t.Errorf("statement spans %v lack %s", ops, want)
				}
			}
		})
	}
}

// TestTraceGroupCommitLinks: a group's statement runs in a span of its own,
// linked to the span of each request it writes for.
func TestTraceGroupCommitLinks(t *testing.T) {
	opts, exp, tp := tracedOptions()
	db, err := OpenSQLite(context.Background(), MemoryPath, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var batch []*request
	for _, name := range []string{"a", "b"} {
		ctx, span := tp.Tracer("test").Start(context.Background(), name)
		defer span.End()
		batch = append(batch, &request{ctx: ctx})
	}
	ctx, end := db.groupContext(batch)
	if _, err := db.w.ExecContext(ctx, `SELECT 1`); err != nil {
		t.Fatal(err)
	}
	end()
	spans := exp.GetSpans()
	var group *tracetest.SpanStub
	for i := range spans {
		if spans[i].Name == SpanGroupCommit {
			group = &spans[i]
		}
	}
	if group == nil {
		t.Fatalf("no %s span among %d", SpanGroupCommit, len(spans))
	}
	if len(group.Links) != 2 || group.Parent.IsValid() {
		t.Errorf("group span: %d links, parent %v; want 2 links and a new root", len(group.Links), group.Parent)
	}
	for i, l := range group.Links {
		if l.SpanContext.SpanID() != trace.SpanContextFromContext(batch[i].ctx).SpanID() {
			t.Errorf("link %d does not name request %d's span", i, i)
		}
	}
	var stmt bool
	for _, s := range spans {
		stmt = stmt || (s.Name == "SELECT" && s.Parent.SpanID() == group.SpanContext.SpanID())
	}
	if !stmt {
		t.Error("the group's statement is not a child of the group span")
	}
}

// TestConformanceSQLiteTraced runs the Store contract through the traced
// SQLite driver, with every statement making a span, so that the wrapper
// changes nothing a store does.
func TestConformanceSQLiteTraced(t *testing.T) {
	storetest.Run(t, func(t *testing.T) tokenmint.Store {
		opts, _, _ := tracedOptions()
		opts.traceAll = true
		db, err := OpenSQLite(context.Background(), sqlitePath(t), opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}
