package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

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
	files := map[string]string{
		"agent.yaml":        "encrypt: KEY\n",
		"tokens":            "write:abc\n",
		"tls/ca.pem":        "CA",
		"tls/ca-key.pem":    "CA KEY",
		"tls/node1.pem":     "CERT",
		"tls/node1-key.pem": "KEY",
		"tls/deeper/x.pem":  "X",
	}
	for name, content := range files {
		p := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// Left over from an earlier install: it must go.
	if err := os.WriteFile(filepath.Join(dst, "stale"), []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	owner := strconv.Itoa(os.Getuid()) + ":" + strconv.Itoa(os.Getgid())
	for i := 0; i < 2; i++ { // installing again over an install replaces what changed
		if i == 1 {
			files["agent.yaml"] = "encrypt: NEWKEY\n"
			if err := os.WriteFile(filepath.Join(src, "agent.yaml"), []byte(files["agent.yaml"]), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		out, _, err := run(t, "", "install-secrets", "--from", src, "--to", dst, "--owner", owner)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "installed 6 files") {
			t.Errorf("output %q", out)
		}
	}
	var got []string
	err := filepath.WalkDir(dst, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dst, p)
		want := fs.FileMode(0o400)
		if d.IsDir() {
			want = 0o500
		} else {
			got = append(got, rel)
			b, err := os.ReadFile(p)
			if err != nil || string(b) != files[rel] {
				t.Errorf("%s holds %q (%v), want %q", rel, b, err, files[rel])
			}
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s has mode %v, want %v", rel, info.Mode().Perm(), want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, " ") != "agent.yaml tls/ca.pem tls/deeper/x.pem tls/node1-key.pem tls/node1.pem tokens" {
		t.Errorf("installed %v: want every file but the CA key, and nothing stale", got)
	}
}

func TestInstallSecretsRefuses(t *testing.T) {
	empty, dst := t.TempDir(), t.TempDir()
	if err := os.Mkdir(filepath.Join(empty, "tls"), 0o700); err != nil {
		t.Fatal(err)
	}
	keep := filepath.Join(dst, "keep")
	if err := os.WriteFile(keep, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--from", empty, "--to", dst},                        // nothing to install
		{"--from", filepath.Join(empty, "none"), "--to", dst}, // no such folder
		{"--from", empty, "--to", dst, "--owner", "10001"},    // malformed owner
		{"--to", dst},
	} {
		if _, _, err := run(t, "", append([]string{"install-secrets"}, args...)...); err == nil {
			t.Errorf("%v succeeded", args)
		}
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("a refused install changed the destination: %v", err)
	}
}
