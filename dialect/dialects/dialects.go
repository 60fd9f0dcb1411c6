// Package dialects is the registry of the platform dialects: the one list
// a new dialect is added to. The server enables them by name, config
// adds their settings, and client create --profile applies their
// profiles, all from this list.
package dialects

import (
	"github.com/tokenmint/tokenmint/dialect"
	"github.com/tokenmint/tokenmint/dialect/empowerid"
	"github.com/tokenmint/tokenmint/dialect/epc"
	"github.com/tokenmint/tokenmint/dialect/epicollect"
	"github.com/tokenmint/tokenmint/dialect/eptura"
	"github.com/tokenmint/tokenmint/registry"
)

// all lists every dialect, in the order --dialects all enables them.
var all = []dialect.Dialect{
	epc.Dialect{},
	epicollect.Dialect{},
	eptura.Dialect{},
	empowerid.Dialect{},
}

// All returns every dialect.
func All() []dialect.Dialect { return append([]dialect.Dialect(nil), all...) }

// Names returns every dialect's name, in the order of All.
func Names() []string {
	names := make([]string, len(all))
	for i, d := range all {
		names[i] = d.Name()
	}
	return names
}

// Lookup returns the dialect with that name.
func Lookup(name string) (dialect.Dialect, bool) {
	for _, d := range all {
		if d.Name() == name {
			return d, true
		}
	}
	return nil, false
}

// Profile returns the client profile with that name (a
// registry.Profiles).
func Profile(name string) (registry.Profile, bool) {
	d, ok := Lookup(name)
	if !ok {
		return registry.Profile{}, false
	}
	return d.Profile(), true
}

// Settings returns the settings every dialect adds to the configuration.
func Settings() []dialect.Setting {
	var out []dialect.Setting
	for _, d := range all {
		out = append(out, d.Settings()...)
	}
	return out
}
