package secretsinstall_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatherd/gatherd/secretsinstall"
)

// self owns the copies in tests, so that they run as any user.
var self = secretsinstall.Owner{UID: os.Getuid(), GID: os.Getgid()}

// tempDest returns an empty directory to install into, which the test's cleanup can remove although the
// copies' directories are 0500.
func tempDest(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	t.Cleanup(func() {
		_ = filepath.WalkDir(dst, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				_ = os.Chmod(p, 0o700)
			}
			return nil
		})
	})
	return dst
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func TestInstall(t *testing.T) {
	src, dst := t.TempDir(), tempDest(t)
	files := map[string]string{
		"agent.yaml":        "encrypt: KEY\n",
		"tokens":            "write:abc\n",
		"tls/ca.pem":        "CA",
		"tls/ca-key.pem":    "CA KEY",
		"tls/node1.pem":     "CERT",
		"tls/node1-key.pem": "KEY",
		"tls/deeper/x.pem":  "X",
		"env/compose.env":   "SECRET=1",
	}
	writeFiles(t, src, files)
	// Left over from an earlier install: they must go.
	writeFiles(t, dst, map[string]string{"stale": "old", "old-dir/old.pem": "old"})
	exclude := []string{"ca-key.pem", "env"}
	for i := 0; i < 2; i++ { // installing again over an install replaces what changed
		if i == 1 {
			files["agent.yaml"] = "encrypt: NEWKEY\n"
			writeFiles(t, src, map[string]string{"agent.yaml": files["agent.yaml"]})
		}
		n, err := secretsinstall.Install(src, dst, self, exclude)
		if err != nil {
			t.Fatal(err)
		}
		if n != 6 {
			t.Errorf("install %d copied %d files, want 6", i+1, n)
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
		t.Errorf("installed %v: want every file but the excluded file and folder, and nothing stale", got)
	}
}

func TestInstallRefuses(t *testing.T) {
	empty := t.TempDir()
	if err := os.Mkdir(filepath.Join(empty, "tls"), 0o700); err != nil {
		t.Fatal(err)
	}
	withLink := t.TempDir()
	writeFiles(t, withLink, map[string]string{"tokens": "write:abc\n"})
	if err := os.Symlink("/etc/passwd", filepath.Join(withLink, "passwd")); err != nil {
		t.Fatal(err)
	}
	onlyExcluded := t.TempDir()
	writeFiles(t, onlyExcluded, map[string]string{"ca-key.pem": "CA KEY"})

	for _, tc := range []struct {
		name, from, wantErr string
	}{
		{"no files", empty, "no files in"},
		{"no such folder", filepath.Join(empty, "none"), "no such file"},
		{"a symlink", withLink, "not a regular file or directory"},
		{"only excluded files", onlyExcluded, "no files in"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dst := t.TempDir()
			keep := filepath.Join(dst, "keep")
			if err := os.WriteFile(keep, []byte("x"), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := secretsinstall.Install(tc.from, dst, self, []string{"ca-key.pem"})
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Install = %v, want an error containing %q", err, tc.wantErr)
			}
			if entries, err := os.ReadDir(dst); err != nil || len(entries) != 1 || entries[0].Name() != "keep" {
				t.Errorf("a refused install changed the destination: %v (%v)", entries, err)
			}
		})
	}
}

func TestParseOwner(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want secretsinstall.Owner
		ok   bool
	}{
		{"10001:10001", secretsinstall.Owner{UID: 10001, GID: 10001}, true},
		{"0:5", secretsinstall.Owner{UID: 0, GID: 5}, true},
		{"10001", secretsinstall.Owner{}, false},
		{"a:1", secretsinstall.Owner{}, false},
		{"1:b", secretsinstall.Owner{}, false},
		{"-1:2", secretsinstall.Owner{}, false},
		{"1:-2", secretsinstall.Owner{}, false},
		{":", secretsinstall.Owner{}, false},
		{"", secretsinstall.Owner{}, false},
	} {
		got, err := secretsinstall.ParseOwner(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseOwner(%q) = %+v, %v; want %+v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), `"`+tc.in+`"`) {
			t.Errorf("ParseOwner(%q)'s error %q does not quote its input", tc.in, err)
		}
	}
}
