package tlsutil

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// issue makes a CA in a fresh dir and one node certificate per name, and loads each node's Config.
func issue(t *testing.T, hosts []string, names ...string) (string, map[string]*Config) {
	t.Helper()
	dir := t.TempDir()
	if err := GenerateCA(dir); err != nil {
		t.Fatal(err)
	}
	out := map[string]*Config{}
	for _, n := range names {
		if err := GenerateNodeCert(dir, n, append([]string{n}, hosts...)); err != nil {
			t.Fatal(err)
		}
		cert, key := NodeFiles(dir, n)
		c, err := Load(cert, key, filepath.Join(dir, CAFile))
		if err != nil {
			t.Fatal(err)
		}
		out[n] = c
	}
	return dir, out
}

type result struct {
	state tls.ConnectionState
	err   error
}

// handshake runs one TLS handshake over loopback and returns what each end saw.
func handshake(t *testing.T, server, client *tls.Config) (srv, cli result) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan result, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- result{err: err}
			return
		}
		defer c.Close()
		tc := tls.Server(c, server)
		_ = tc.SetDeadline(time.Now().Add(10 * time.Second))
		err = tc.Handshake()
		if err == nil {
			// In TLS 1.3 the server checks the client certificate after the client has finished its side, so
			// exchange a byte to make both ends agree on the outcome.
			_, err = tc.Write([]byte{1})
		}
		done <- result{tc.ConnectionState(), err}
	}()
	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	tc := tls.Client(raw, client)
	_ = tc.SetDeadline(time.Now().Add(10 * time.Second))
	err = tc.Handshake()
	if err == nil {
		_, err = tc.Read(make([]byte, 1))
	}
	cli = result{tc.ConnectionState(), err}
	return <-done, cli
}

func TestMutualTLSBetweenNodesOfOneCA(t *testing.T) {
	// No IP SANs on purpose: raft dials by IP, and must work whatever the certificate names.
	_, nodes := issue(t, nil, "node1", "node2")
	srv, cli := handshake(t, nodes["node1"].Server(), nodes["node2"].Client())
	if srv.err != nil || cli.err != nil {
		t.Fatalf("handshake failed: server %v, client %v", srv.err, cli.err)
	}
	if cli.state.Version != tls.VersionTLS13 {
		t.Errorf("negotiated %s, want TLS 1.3", tls.VersionName(cli.state.Version))
	}
	if got := srv.state.PeerCertificates[0].Subject.CommonName; got != "node2" {
		t.Errorf("server saw client %q, want node2", got)
	}
	if got := cli.state.PeerCertificates[0].Subject.CommonName; got != "node1" {
		t.Errorf("client saw server %q, want node1", got)
	}
}

func TestServerRefusesNodeOfAnotherCA(t *testing.T) {
	_, ours := issue(t, nil, "node1")
	_, theirs := issue(t, nil, "intruder")
	// The intruder accepts any server, so only the server's check of the client certificate can stop it.
	cc := theirs["intruder"].Client()
	cc.VerifyConnection = nil
	srv, cli := handshake(t, ours["node1"].Server(), cc)
	if srv.err == nil {
		t.Fatal("server accepted a client certificate from another CA")
	}
	if cli.err == nil {
		t.Fatal("client believes the connection is up")
	}
	// And a client with no certificate at all.
	anon := &tls.Config{InsecureSkipVerify: true}
	if srv, _ := handshake(t, ours["node1"].Server(), anon); srv.err == nil {
		t.Fatal("server accepted a client without a certificate")
	}
}

func TestClientRefusesServerOfAnotherCA(t *testing.T) {
	_, ours := issue(t, nil, "node1")
	_, theirs := issue(t, nil, "impostor")
	sc := theirs["impostor"].Server()
	sc.ClientAuth = tls.RequireAnyClientCert // the impostor would accept anyone; the client must still refuse
	_, cli := handshake(t, sc, ours["node1"].Client())
	if cli.err == nil {
		t.Fatal("client accepted a server certificate from another CA")
	}
}

func TestAPIServerCertificateOptional(t *testing.T) {
	_, ours := issue(t, nil, "node1", "node2")
	_, theirs := issue(t, nil, "intruder")
	api := ours["node1"].APIServer()
	cli := &tls.Config{RootCAs: ours["node1"].CAPool(), ServerName: "node1"}
	if srv, c := handshake(t, api, cli); srv.err != nil || c.err != nil {
		t.Fatalf("token client without a certificate refused: %v / %v", srv.err, c.err)
	} else if len(srv.state.VerifiedChains) != 0 {
		t.Fatal("verified chains without a client certificate")
	}
	srv, c := handshake(t, api, ours["node2"].Client())
	if srv.err != nil || c.err != nil {
		t.Fatalf("node refused: %v / %v", srv.err, c.err)
	}
	if len(srv.state.VerifiedChains) == 0 {
		t.Fatal("a node's certificate did not produce verified chains")
	}
	bad := theirs["intruder"].Client()
	bad.VerifyConnection = nil
	if srv, _ := handshake(t, api, bad); srv.err == nil {
		t.Fatal("API accepted a certificate from another CA")
	}
}

func TestGeneratedFiles(t *testing.T) {
	dir, _ := issue(t, []string{"127.0.0.1", "node1.example", "127.0.0.1"}, "node1")
	for _, f := range []string{CAKeyFile, "node1-key.pem"} {
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", f, fi.Mode().Perm())
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "node1.pem"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if len(cert.IPAddresses) != 1 || !cert.IPAddresses[0].Equal(net.ParseIP("127.0.0.1")) {
		t.Errorf("IP SANs %v", cert.IPAddresses)
	}
	if len(cert.DNSNames) != 2 || cert.DNSNames[0] != "node1" || cert.DNSNames[1] != "node1.example" {
		t.Errorf("DNS SANs %v", cert.DNSNames)
	}
	if len(cert.ExtKeyUsage) != 2 {
		t.Errorf("EKUs %v", cert.ExtKeyUsage)
	}
	if life := cert.NotAfter.Sub(cert.NotBefore); life < NodeValidity || life > NodeValidity+time.Hour {
		t.Errorf("node certificate lives %v", life)
	}
	if err := GenerateCA(dir); !errors.Is(err, fs.ErrExist) {
		t.Errorf("second GenerateCA: %v, want ErrExist", err)
	}
	if err := GenerateNodeCert(dir, "node1", nil); !errors.Is(err, fs.ErrExist) {
		t.Errorf("second GenerateNodeCert: %v, want ErrExist", err)
	}
	if err := GenerateNodeCert(dir, "../x", nil); err == nil {
		t.Error("path in node name accepted")
	}
}

func TestLoadRejectsCertificateOfAnotherCA(t *testing.T) {
	dir, _ := issue(t, nil, "node1")
	other, _ := issue(t, nil)
	cert, key := NodeFiles(dir, "node1")
	if _, err := Load(cert, key, filepath.Join(other, CAFile)); err == nil {
		t.Fatal("Load accepted a certificate the CA did not sign")
	}
	if _, err := Load(cert, filepath.Join(dir, CAKeyFile), filepath.Join(dir, CAFile)); err == nil {
		t.Fatal("Load accepted a key that does not match the certificate")
	}
}

func TestPeerConfigServesBothEnds(t *testing.T) {
	_, ours := issue(t, nil, "node1", "node2")
	_, theirs := issue(t, nil, "intruder")
	srv, cli := handshake(t, ours["node1"].Peer(), ours["node2"].Peer())
	if srv.err != nil || cli.err != nil {
		t.Fatalf("handshake failed: server %v, client %v", srv.err, cli.err)
	}
	if len(srv.state.PeerCertificates) == 0 {
		t.Fatal("listener did not get the dialer's certificate")
	}
	bad := theirs["intruder"].Peer()
	bad.VerifyConnection = nil // accepts any server, so only the listener's check can stop it
	if srv, _ := handshake(t, ours["node1"].Peer(), bad); srv.err == nil {
		t.Fatal("listener accepted a certificate from another CA")
	}
	impostor := theirs["intruder"].Server()
	impostor.ClientAuth = tls.RequireAnyClientCert
	if _, cli := handshake(t, impostor, ours["node1"].Peer()); cli.err == nil {
		t.Fatal("dialer accepted a server certificate from another CA")
	}
	anon := &tls.Config{InsecureSkipVerify: true}
	if srv, _ := handshake(t, ours["node1"].Peer(), anon); srv.err == nil {
		t.Fatal("listener accepted a client without a certificate")
	}
}
