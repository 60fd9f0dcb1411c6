package httpapi

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/tokenmint/tokenmint/jsonstring"
)

// jsonObject appends the members of one JSON object, encoding each value
// exactly as encoding/json does with its defaults (HTML-safe strings), so
// that a body built here is byte for byte what json.Marshal gives for the
// same members in the same order. It serves the hot endpoints, where
// json.Marshal's reflection over a map costs a score of allocations.
type jsonObject struct {
	b []byte
	n int // members written
}

func (o *jsonObject) key(name string) {
	if o.n > 0 {
		o.b = append(o.b, ',')
	}
	o.n++
	o.b = jsonstring.Append(o.b, name)
	o.b = append(o.b, ':')
}

func (o *jsonObject) str(name, v string) {
	o.key(name)
	o.b = jsonstring.Append(o.b, v)
}

func (o *jsonObject) int(name string, v int64) {
	o.key(name)
	o.b = strconv.AppendInt(o.b, v, 10)
}

func (o *jsonObject) bool(name string, v bool) {
	o.key(name)
	o.b = strconv.AppendBool(o.b, v)
}

// strs writes a non-nil list of strings.
func (o *jsonObject) strs(name string, v []string) {
	o.key(name)
	o.b = append(o.b, '[')
	for i, s := range v {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		o.b = jsonstring.Append(o.b, s)
	}
	o.b = append(o.b, ']')
}

// value encodes v with encoding/json, for members of no fixed type.
func (o *jsonObject) value(name string, v any) error {
	enc, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode member %q: %w", name, err)
	}
	o.key(name)
	o.b = append(o.b, enc...)
	return nil
}
