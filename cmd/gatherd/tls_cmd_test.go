package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/viper"

	"github.com/gatherd/gatherd/api"
	"github.com/gatherd/gatherd/tlsutil"
)

func runTLSInit(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newTLSInitCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), err
}

func TestTLSInit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	if _, err := runTLSInit(t, "--dir", dir, "--nodes", "node1,node2", "--hosts", "10.0.0.1,gatherd.example"); err != nil {
		t.Fatal(err)
	}
	ca, err := os.ReadFile(filepath.Join(dir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"node1", "node2"} {
		cert, key := tlsutil.NodeFiles(dir, n)
		c, err := tlsutil.Load(cert, key, filepath.Join(dir, "ca.pem"))
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		leaf := c.Server().Certificates[0].Leaf
		if got := strings.Join(leaf.DNSNames, ","); got != n+",localhost,gatherd.example" {
			t.Errorf("%s DNS names %s", n, got)
		}
		if len(leaf.IPAddresses) != 2 || leaf.IPAddresses[0].String() != "127.0.0.1" || leaf.IPAddresses[1].String() != "10.0.0.1" {
			t.Errorf("%s IPs %v", n, leaf.IPAddresses)
		}
	}
	// A second run keeps the CA and existing certificates, and adds the new node.
	out, err := runTLSInit(t, "--dir", dir, "--nodes", "node1,node3")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "using the CA") || !strings.Contains(out, "node1: kept") {
		t.Errorf("second run said %q", out)
	}
	again, _ := os.ReadFile(filepath.Join(dir, "ca.pem"))
	if !bytes.Equal(ca, again) {
		t.Error("CA replaced")
	}
	if _, err := os.Stat(filepath.Join(dir, "node3-key.pem")); err != nil {
		t.Error(err)
	}
	// Half a CA is an error, not a new CA.
	if err := os.Remove(filepath.Join(dir, "ca-key.pem")); err != nil {
		t.Fatal(err)
	}
	if _, err := runTLSInit(t, "--dir", dir, "--nodes", "node4"); err == nil {
		t.Error("CA certificate without its key accepted")
	}
	if _, err := runTLSInit(t, "--nodes", "a"); err == nil {
		t.Error("missing --dir accepted")
	}
}

// settings parses args as the agent would, security flags only.
func settings(t *testing.T, args ...string) (*viper.Viper, error) {
	t.Helper()
	cmd := &cobra.Command{Use: "agent", RunE: func(*cobra.Command, []string) error { return nil }}
	cmd.Flags().String("config", "", "")
	addSecurityFlags(cmd.Flags())
	if err := cmd.ParseFlags(args); err != nil {
		return nil, err
	}
	return bindSettings(cmd, "config")
}

func TestSecuritySettings(t *testing.T) {
	dir := t.TempDir()
	if _, err := runTLSInit(t, "--dir", dir, "--nodes", "n1,n2"); err != nil {
		t.Fatal(err)
	}
	tokenFile := filepath.Join(dir, "tokens")
	if err := os.WriteFile(tokenFile, []byte("# x\nread:file-read\nwrite:file-write\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GATHERD_API_READ_TOKEN", "env-read")
	v, err := settings(t, "--tls-cert", filepath.Join(dir, "n1.pem"), "--tls-key", filepath.Join(dir, "n1-key.pem"),
		"--tls-ca", filepath.Join(dir, "ca.pem"), "--api-token", "flag-write", "--api-token-file", tokenFile, "--write-rate", "5")
	if err != nil {
		t.Fatal(err)
	}
	sec, err := securitySettings(v)
	if err != nil {
		t.Fatal(err)
	}
	want := []api.Token{{Value: "flag-write", Role: api.RoleWrite}, {Value: "env-read", Role: api.RoleRead},
		{Value: "file-read", Role: api.RoleRead}, {Value: "file-write", Role: api.RoleWrite}}
	if len(sec.tokens) != len(want) {
		t.Fatalf("tokens %v", sec.tokens)
	}
	for i := range want {
		if sec.tokens[i] != want[i] {
			t.Errorf("token %d: %v, want %v", i, sec.tokens[i], want[i])
		}
	}
	if sec.tls == nil || sec.writeRate != 5 || sec.writeBurst != api.DefaultWriteBurst {
		t.Fatalf("settings %+v", sec)
	}
	// What the agent does with them (raft over TLS, an HTTPS API, forwarding with the node's certificate) is
	// tested with real nodes in agent/.
}

func TestSecuritySettingsErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("# nothing\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--tls-cert", "a.pem"},
		{"--tls-cert", "a.pem", "--tls-key", "a-key.pem"},
		{"--tls-cert", "a.pem", "--tls-key", "a-key.pem", "--tls-ca", "missing.pem"},
		{"--api-token-file", empty},
		{"--api-token-file", filepath.Join(dir, "missing")},
	} {
		v, err := settings(t, args...)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := securitySettings(v); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	v, err := settings(t)
	if err != nil {
		t.Fatal(err)
	}
	sec, err := securitySettings(v)
	if err != nil || sec.tls != nil || len(sec.tokens) != 0 {
		t.Fatalf("defaults: %+v %v", sec, err)
	}
}
