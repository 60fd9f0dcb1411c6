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
// leaves it nil. A list of strings in the shape the encoder writes
// (["a","b"], no escapes, ASCII) is split without encoding/json, which
// costs a reading of a token row a few dozen allocations; anything else
// goes through json.Unmarshal.
type jsonCol struct{ p any }

func (c jsonCol) Scan(src any) error {
	var err error
	switch v := src.(type) {
	case string:
		if scanPlainList(c.p, v) {
			return nil
		}
		err = json.Unmarshal([]byte(v), c.p)
	case []byte:
		if scanPlainList(c.p, v) {
			return nil
		}
		err = json.Unmarshal(v, c.p)
	default:
		return fmt.Errorf("json column: unexpected %T", src)
	}
	if err != nil {
		return fmt.Errorf("json column: %w", err)
	}
	return nil
}

// scanPlainList stores text in p when p is a *[]string and text a plain
// list (parsePlainList); it reports whether it did.
func scanPlainList[T string | []byte](p any, text T) bool {
	lp, ok := p.(*[]string)
	if !ok {
		return false
	}
	l, ok := parsePlainList(text)
	if ok {
		*lp = l
	}
	return ok
}

// parsePlainList decodes JSON null or an array of strings made only of
// printable ASCII without quotes or backslashes (so nothing to unescape
// or to replace), with JSON whitespace anywhere between tokens (as
// PostgreSQL's jsonb prints it), giving what json.Unmarshal into a
// []string gives: nil for null, a non-nil empty slice for []. For any
// other text it reports false and json.Unmarshal decides.
// FuzzParsePlainList holds it to json.Unmarshal.
func parsePlainList[T string | []byte](text T) ([]string, bool) {
	i := skipSpace(text, 0)
	if len(text)-i >= 4 && string(text[i:i+4]) == "null" {
		return nil, skipSpace(text, i+4) == len(text)
	}
	if i == len(text) || text[i] != '[' {
		return nil, false
	}
	n := 1 // elements at most: one more than the commas
	for j := i; j < len(text); j++ {
		if text[j] == ',' {
			n++
		}
	}
	l := make([]string, 0, n)
	i = skipSpace(text, i+1)
	if i < len(text) && text[i] == ']' {
		return l, skipSpace(text, i+1) == len(text)
	}
	for {
		if i == len(text) || text[i] != '"' {
			return nil, false
		}
		start := i + 1
		for i = start; i < len(text) && text[i] != '"'; i++ {
			if c := text[i]; c < 0x20 || c == '\\' || c >= 0x80 {
				return nil, false
			}
		}
		if i == len(text) {
			return nil, false
		}
		l = append(l, string(text[start:i]))
		i = skipSpace(text, i+1)
		if i == len(text) {
			return nil, false
		}
		switch text[i] {
		case ',':
			i = skipSpace(text, i+1)
		case ']':
			return l, skipSpace(text, i+1) == len(text)
		default:
			return nil, false
		}
	}
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON whitespace.
func skipSpace[T string | []byte](text T, i int) int {
	for i < len(text) && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r') {
		i++
	}
	return i
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
