// Package config gathers tokenmint's settings from four layers, each
// overriding the one before: built-in defaults, a YAML file (--config FILE
// or TOKENMINT_CONFIG), TOKENMINT_* environment variables and command-line
// flags. Every command of the CLI reads its settings the same way, so
// TOKENMINT_DATABASE means the same thing to "serve" and "client create".
//
// One table (settings.go) names every setting once; its yaml key, its
// environment variable (TOKENMINT_ + upper case) and its flag (kebab case)
// all derive from that name, and docs/configuration.md documents each row
// (a test keeps the two in step). A command registers only the flags it
// needs with Register and gets back a fully validated Config from
// (*Flags).Load. Every rejected value produces a *SettingError that names
// where the value came from (flag, variable, file line) and the accepted
// form, so an operator can fix it from one line of output.
//
// The master key is deliberately never a flag: command lines are visible
// to every user of the machine through ps(1). It comes from
// TOKENMINT_MASTER_KEY, the YAML file, or a key file (MasterKeyValue).
package config
