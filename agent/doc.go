// Package agent assembles a gatherd node from its settings: the plugin registry, the outputs, the cluster
// node, the API and its HTTP(S) server with tokens. The binary (cmd/gatherd) and the in-process test harness
// (testcluster) both build nodes here, so the tests run the wiring users run (Nomad's command/agent and
// TestAgent are the model). It parses no flags and reads no files: its caller does.
package agent
