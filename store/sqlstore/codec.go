package sqlstore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// micros encodes an optional instant: unix microseconds, NULL when zero.
func micros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

// deadline encodes a deadline column, which is NOT NULL: the zero time is
// stored as its own instant (year 1), which sorts before every real one,
// so a zero deadline reads as long past, as AccessToken.ActiveAt has it.
func deadline(t time.Time) int64 { return t.UnixMicro() }

// blob encodes a byte string; nil and empty are both NULL.
func blob(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// encoder marshals list and map columns to JSON text, keeping the first
// error so that a record's arguments are built in one expression.
type encoder struct{ err error }

func (e *encoder) json(v any) string {
	b, err := json.Marshal(v)
	if err != nil && e.err == nil {
		e.err = fmt.Errorf("encode %T: %w", v, err)
	}
	return string(b)
}

// timeCol scans unix microseconds (or NULL) into a UTC time. Both the zero
// deadline and NULL decode to the zero time.
type timeCol struct{ p *time.Time }

func (c timeCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.p = time.Time{}
	case int64:
		*c.p = time.UnixMicro(v).UTC()
	default:
		return fmt.Errorf("time column: unexpected %T", src)
	}
	return nil
}

// durCol scans nanoseconds into a duration.
type durCol struct{ p *time.Duration }

func (c durCol) Scan(src any) error {
	v, ok := src.(int64)
	if !ok {
		return fmt.Errorf("duration column: unexpected %T", src)
	}
	*c.p = time.Duration(v)
	return nil
}

// jsonCol scans JSON text into the list or map p points to; JSON null
// leaves it nil.
type jsonCol struct{ p any }

func (c jsonCol) Scan(src any) error {
	var err error
	switch v := src.(type) {
	case string:
		err = json.Unmarshal([]byte(v), c.p)
	case []byte:
		err = json.Unmarshal(v, c.p)
	default:
		return fmt.Errorf("json column: unexpected %T", src)
	}
	if err != nil {
		return fmt.Errorf("json column: %w", err)
	}
	return nil
}

// blobCol scans a byte string, copying it out of the driver's buffer;
// NULL and empty give nil.
type blobCol struct{ p *[]byte }

func (c blobCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.p = nil
	case []byte:
		*c.p = nil
		if len(v) > 0 {
			*c.p = bytes.Clone(v)
		}
	case string:
		*c.p = nil
		if v != "" {
			*c.p = []byte(v)
		}
	default:
		return fmt.Errorf("bytes column: unexpected %T", src)
	}
	return nil
}

// row is what *sql.Row and *sql.Rows have in common.
type row interface{ Scan(dest ...any) error }
