// Package tlsutil builds the TLS configurations gatherd nodes use to talk to each other, and generates the
// private certificate authority and node certificates those configurations expect.
//
// The trust model is a cluster-private CA: every certificate it signs identifies a gatherd node, and nothing
// else is trusted. Raft connections use mutual TLS (both ends present a node certificate). The HTTP API accepts
// a node certificate when one is offered (nodes forwarding requests to the leader) but does not require one,
// because operators reach it with bearer tokens.
//
// Node-to-node connections check that the peer's certificate chains to the cluster CA and do not check host
// names: see [Config.Client] for why.
package tlsutil
