package tlsutil

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// Config holds one node's certificate and the cluster CA. Its methods return fresh *tls.Config values, so a
// caller may change the one it gets without affecting others.
type Config struct {
	cert tls.Certificate
	pool *x509.CertPool
}

// Load reads a node's certificate and key and the cluster CA certificate (all PEM). It fails unless the key
// matches the certificate and the certificate chains to the CA and is valid now, so a misconfigured node stops
// at start-up rather than failing every handshake later.
func Load(certFile, keyFile, caFile string) (*Config, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("load node certificate: %w", err)
	}
	pool, err := LoadCAPool(caFile)
	if err != nil {
		return nil, err
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return nil, fmt.Errorf("parse node certificate: %w", err)
	}
	cert.Leaf = leaf
	if err := verifyChain(pool, cert.Certificate, x509.ExtKeyUsageServerAuth); err != nil {
		return nil, fmt.Errorf("node certificate %s: %w", certFile, err)
	}
	if err := verifyChain(pool, cert.Certificate, x509.ExtKeyUsageClientAuth); err != nil {
		return nil, fmt.Errorf("node certificate %s cannot be used as a client certificate: %w", certFile, err)
	}
	return &Config{cert: cert, pool: pool}, nil
}

// LoadCAPool reads a CA certificate file (PEM) into a pool, for the nodes and for clients that trust the
// cluster CA (the CLI's --ca-cert).
func LoadCAPool(caFile string) (*x509.CertPool, error) {
	caPEM, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("read CA certificate: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("CA file %s holds no PEM certificate", caFile)
	}
	return pool, nil
}

// Server returns the configuration for the raft listener: the peer must present a certificate signed by the
// cluster CA (mutual TLS).
func (c *Config) Server() *tls.Config {
	t := c.base()
	t.ClientAuth = tls.RequireAndVerifyClientCert
	t.ClientCAs = c.pool
	return t
}

// APIServer returns the configuration for the HTTP API listener. A client certificate is optional, but one that
// is offered must be signed by the cluster CA; a request that came with one has a non-empty
// r.TLS.VerifiedChains, which marks it as coming from another node.
func (c *Config) APIServer() *tls.Config {
	t := c.base()
	t.ClientAuth = tls.VerifyClientCertIfGiven
	t.ClientCAs = c.pool
	return t
}

// Client returns the configuration for dialing other nodes (raft, and API requests forwarded to the leader). It
// presents this node's certificate and accepts a server only if its certificate chains to the cluster CA and
// allows server authentication.
//
// It does not match the peer's host name against the certificate. Raft dials peers by the IP they advertise in
// gossip, which can differ from the addresses named in their certificates (a node behind NAT, a changed DHCP
// lease, a certificate issued for a DNS name), and the CA is private to the cluster and signs only node
// certificates, so any certificate it signed proves the peer is a member of this cluster. The guarantee is
// therefore "a gatherd node of this cluster", not "the particular node at this address"; that is what raft and
// forwarding need, since raft authenticates server IDs itself.
func (c *Config) Client() *tls.Config {
	t := c.base()
	// InsecureSkipVerify turns off only the built-in verification, which always includes host name matching;
	// VerifyConnection below redoes the chain verification against the cluster CA, and runs on every handshake.
	t.InsecureSkipVerify = true
	pool := c.pool
	t.VerifyConnection = func(cs tls.ConnectionState) error {
		raw := make([][]byte, len(cs.PeerCertificates))
		for i, pc := range cs.PeerCertificates {
			raw[i] = pc.Raw
		}
		return verifyChain(pool, raw, x509.ExtKeyUsageServerAuth)
	}
	return t
}

// Peer returns one configuration that serves both ends of node-to-node connections, for a transport that uses
// a single tls.Config to listen and to dial (as cluster.Config.TLS does). Listening, it requires a client
// certificate signed by the cluster CA, as Server does; dialing, it checks the server as Client does. Because
// the check Client adds also runs when listening, a peer's certificate must allow server authentication as well
// as client authentication, which every certificate GenerateNodeCert issues does.
func (c *Config) Peer() *tls.Config {
	t := c.Client()
	t.ClientAuth = tls.RequireAndVerifyClientCert
	t.ClientCAs = c.pool
	return t
}

// CAPool returns the pool holding the cluster CA, for clients (such as the CLI) that verify nodes' API
// certificates the ordinary way.
func (c *Config) CAPool() *x509.CertPool { return c.pool }

func (c *Config) base() *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{c.cert},
		MinVersion:   tls.VersionTLS12, // TLS 1.3 is negotiated whenever both ends have it, which gatherd always does
		// TLS 1.2 only: forward-secret AEAD suites. TLS 1.3 suites are not configurable and all are fine.
		CipherSuites: []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
			tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
		},
	}
}

// verifyChain checks that chain (leaf first, DER) leads to a certificate in pool and that the leaf allows usage.
func verifyChain(pool *x509.CertPool, chain [][]byte, usage x509.ExtKeyUsage) error {
	if len(chain) == 0 {
		return errors.New("peer presented no certificate")
	}
	leaf, err := x509.ParseCertificate(chain[0])
	if err != nil {
		return fmt.Errorf("parse peer certificate: %w", err)
	}
	inter := x509.NewCertPool()
	for _, der := range chain[1:] {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return fmt.Errorf("parse intermediate certificate: %w", err)
		}
		inter.AddCert(c)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{usage}}); err != nil {
		return fmt.Errorf("verify against the cluster CA: %w", err)
	}
	return nil
}
