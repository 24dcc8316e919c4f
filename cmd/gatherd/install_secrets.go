package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gatherd/gatherd/tlsutil"
)

// newInstallSecretsCmd is the plumbing behind docker-compose.yml's `secrets` service. `make secrets` writes the
// cluster's secrets into .secrets/ on the host, readable only by the user who ran it; the nodes run as uid
// 10001 in their containers and could not read a bind mount of that folder. So a one-shot container running as
// root copies the files into a named volume, owned by the nodes' user and readable by it alone, and the nodes
// mount that volume read-only. A FROM scratch image has no cp or chown, hence a subcommand.
func newInstallSecretsCmd() *cobra.Command {
	var from, to, owner string
	var exclude []string
	cmd := &cobra.Command{
		Use:    "install-secrets --from DIR --to DIR [--owner UID:GID]",
		Short:  "Copy secret files into a volume, owned by the node user and readable by it alone",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if from == "" || to == "" {
				return errors.New("--from and --to are required")
			}
			uid, gid, err := parseOwner(owner)
			if err != nil {
				return err
			}
			n, err := installSecrets(from, to, uid, gid, exclude)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "installed %d files from %s into %s for %d:%d\n", n, from, to, uid, gid)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&from, "from", "", "directory to copy (recursively)")
	f.StringVar(&to, "to", "", "directory to replace the contents of")
	f.StringVar(&owner, "owner", "10001:10001", "UID:GID to own the copies")
	// Nodes never need the CA key: whoever holds it can make certificates that join the cluster.
	f.StringSliceVar(&exclude, "exclude", []string{tlsutil.CAKeyFile}, "file names (globs) not to copy")
	return cmd
}

func parseOwner(s string) (uid, gid int, err error) {
	u, g, ok := strings.Cut(s, ":")
	if ok {
		uid, err = strconv.Atoi(u)
	}
	if err == nil && ok {
		gid, err = strconv.Atoi(g)
	}
	if !ok || err != nil || uid < 0 || gid < 0 {
		return 0, 0, fmt.Errorf("--owner %q: want UID:GID, both numbers", s)
	}
	return uid, gid, nil
}

// installSecrets makes the contents of to a copy of the regular files under from (but those whose names match
// exclude), owned by uid:gid: directories mode 0500, files 0400. to itself is kept (it is a volume's mount
// point) and is given the same owner and mode 0500. Each file is written under a temporary name and renamed
// into place, and what from no longer holds is removed last, so a node starting meanwhile (`docker compose
// restart` runs this service again beside the nodes) reads either the old file or the new one, never a gap.
// It returns the number of files copied. A from without a single file is an error: the nodes would start
// without their secrets.
func installSecrets(from, to string, uid, gid int, exclude []string) (int, error) {
	type item struct {
		rel string
		dir bool
	}
	var items []item
	keep := map[string]bool{}
	files := 0
	err := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, path)
		if err != nil || rel == "." {
			return err
		}
		for _, pat := range exclude {
			if ok, _ := filepath.Match(pat, d.Name()); ok {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
		}
		switch {
		case d.IsDir():
			items = append(items, item{rel, true})
		case d.Type().IsRegular():
			items = append(items, item{rel, false})
			files++
		default:
			return fmt.Errorf("%s: not a regular file or directory", path)
		}
		keep[rel] = true
		return nil
	})
	if err != nil {
		return 0, err
	}
	if files == 0 {
		return 0, fmt.Errorf("no files in %s: generate them first (make secrets)", from)
	}
	if err := own(to, uid, gid, 0o700); err != nil { // writable until filled
		return 0, err
	}
	for _, it := range items { // WalkDir visits a directory before what it holds
		dst := filepath.Join(to, it.rel)
		if it.dir {
			info, err := os.Lstat(dst)
			switch {
			case err == nil && !info.IsDir():
				if err := os.Remove(dst); err != nil {
					return 0, err
				}
				fallthrough
			case errors.Is(err, fs.ErrNotExist):
				if err := os.Mkdir(dst, 0o700); err != nil {
					return 0, err
				}
			case err != nil:
				return 0, err
			}
			if err := own(dst, uid, gid, 0o700); err != nil { // writable until filled
				return 0, err
			}
			continue
		}
		tmp := dst + ".installing"
		if err := copyFile(filepath.Join(from, it.rel), tmp); err != nil {
			return 0, err
		}
		if err := own(tmp, uid, gid, 0o400); err != nil {
			return 0, err
		}
		if err := os.Rename(tmp, dst); err != nil {
			return 0, err
		}
	}
	// What from no longer holds goes last.
	var stale []string
	err = filepath.WalkDir(to, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(to, path)
		if err != nil || rel == "." {
			return err
		}
		if !keep[rel] {
			stale = append(stale, path)
			if d.IsDir() {
				return filepath.SkipDir
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, p := range stale {
		if err := os.RemoveAll(p); err != nil {
			return 0, err
		}
	}
	// Directories are closed down last, deepest first.
	for i := len(items) - 1; i >= 0; i-- {
		if items[i].dir {
			if err := own(filepath.Join(to, items[i].rel), uid, gid, 0o500); err != nil {
				return 0, err
			}
		}
	}
	if err := own(to, uid, gid, 0o500); err != nil {
		return 0, err
	}
	return files, nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func own(path string, uid, gid int, mode fs.FileMode) error {
	if err := os.Chown(path, uid, gid); err != nil {
		return err
	}
	return os.Chmod(path, mode)
}
