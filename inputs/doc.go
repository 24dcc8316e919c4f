// Package inputs is the registry of input plugins a gatherd binary can run: a plugin name maps to a factory
// that turns an input's JSON config into a ready telegraf.Input. The core links no real plugins; a binary
// (or a test) registers the ones it carries. It must never start a plugin: that is the worker's job.
package inputs
