// Package telegrafx runs Telegraf's own input plugins inside gatherd, and Telegraf's output plugins behind
// it. It turns an input's config (Telegraf's TOML keys, carried as JSON) into a Telegraf RunningInput through
// Telegraf's own config loader, so unknown keys, per-input settings (name_override, tags, namepass, ...) and
// Init behave exactly as in Telegraf; it parses submitted Telegraf TOML into input specs; and it runs
// [[outputs.X]] as a bounded, batching sink. Only the plugins imported in plugins.go are linked. It must never
// let a submitted config read the node's environment.
package telegrafx
