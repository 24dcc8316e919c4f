// Package wire declares the JSON shapes of gatherd's HTTP API, once: the server (api) writes them, the client,
// the CLI, the e2e suite and the tests read them. It depends on the standard library only, so that a program
// talking to gatherd does not link the node. It must hold no behaviour beyond encoding.
package wire
