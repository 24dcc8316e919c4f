// Package logging builds gatherd's zerolog logger and adapts the loggers of the libraries gatherd embeds
// (raft's hclog, memberlist's standard logger) to it, so every line a node prints is one structured stream.
// It must never buffer lines or write anywhere but the zerolog logger it is given.
package logging
