package testcluster

import (
	"crypto/tls"
	"net/http"
	"path/filepath"
	"sync"

	"github.com/gatherd/gatherd/tlsutil"
)

// setupTLS makes a CA for the cluster, as `gatherd tls-init` does, and gives every node a certificate of its
// own on first start; the helpers' HTTP client trusts the CA.
func (c *Cluster) setupTLS() {
	dir := filepath.Join(c.base, "tls")
	if err := tlsutil.GenerateCA(dir); err != nil {
		c.t.Fatalf("tls: %v", err)
	}
	pool, err := tlsutil.LoadCAPool(filepath.Join(dir, tlsutil.CAFile))
	if err != nil {
		c.t.Fatalf("tls: %v", err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	c.client.Transport = tr
	var mu sync.Mutex
	loaded := map[string]*tlsutil.Config{}
	c.tls = func(in *Instance) *tlsutil.Config {
		mu.Lock()
		defer mu.Unlock()
		if cfg, ok := loaded[in.ID]; ok {
			return cfg
		}
		if err := tlsutil.GenerateNodeCert(dir, in.ID, []string{"127.0.0.1", "localhost"}); err != nil {
			c.t.Fatalf("tls for %s: %v", in.ID, err)
		}
		cert, key := tlsutil.NodeFiles(dir, in.ID)
		cfg, err := tlsutil.Load(cert, key, filepath.Join(dir, tlsutil.CAFile))
		if err != nil {
			c.t.Fatalf("tls for %s: %v", in.ID, err)
		}
		loaded[in.ID] = cfg
		return cfg
	}
}
