package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The copying itself is tested in secretsinstall; these tests cover the subcommand's flags and output.

func TestInstallSecrets(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	t.Cleanup(func() { // the copies' directories are 0500: let TempDir remove them as any user
		_ = filepath.WalkDir(dst, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				_ = os.Chmod(p, 0o700)
			}
			return nil
		})
	})
	for name, content := range map[string]string{"agent.yaml": "encrypt: KEY\n", "tls/ca.pem": "CA", "tls/ca-key.pem": "CA KEY"} {
		p := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	owner := fmt.Sprintf("%d:%d", os.Getuid(), os.Getgid())
	out, _, err := run(t, "", "install-secrets", "--from", src, "--to", dst, "--owner", owner)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("installed 2 files from %s into %s for %s\n", src, dst, owner); out != want {
		t.Errorf("output %q, want %q", out, want)
	}
	if _, err := os.Lstat(filepath.Join(dst, "tls", "ca-key.pem")); err == nil {
		t.Error("the CA key was installed: --exclude must leave it out by default")
	}
	if b, err := os.ReadFile(filepath.Join(dst, "tls", "ca.pem")); err != nil || string(b) != "CA" {
		t.Errorf("tls/ca.pem holds %q (%v), want the copy", b, err)
	}

	// --exclude replaces the default list.
	out, _, err = run(t, "", "install-secrets", "--from", src, "--to", dst, "--owner", owner, "--exclude", "agent.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "installed 2 files") {
		t.Errorf("output %q, want 2 files: the CA key and the CA but not agent.yaml", out)
	}
	if _, err := os.Lstat(filepath.Join(dst, "agent.yaml")); err == nil {
		t.Error("agent.yaml was kept although --exclude named it")
	}
}

func TestInstallSecretsRefuses(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "tokens"), []byte("write:abc\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	keep := filepath.Join(dst, "keep")
	if err := os.WriteFile(keep, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args    []string
		wantErr string
	}{
		{[]string{"--to", dst}, "--from and --to are required"},
		{[]string{"--from", src}, "--from and --to are required"},
		{[]string{"--from", src, "--to", dst, "--owner", "10001"}, `--owner "10001": want UID:GID, both numbers`},
		{[]string{"--from", filepath.Join(src, "none"), "--to", dst}, "no such file or directory"},
	} {
		_, _, err := run(t, "", append([]string{"install-secrets"}, tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%v: error %v, want %q", tc.args, err, tc.wantErr)
		}
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("a refused install changed the destination: %v", err)
	}
}
