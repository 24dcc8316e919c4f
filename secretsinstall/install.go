package secretsinstall

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Owner is the user and group that the installed copies belong to. The zero Owner is root.
type Owner struct {
	UID, GID int
}

// ParseOwner parses "UID:GID", two non-negative numbers. Its error quotes s, for the caller to name where s
// came from.
func ParseOwner(s string) (Owner, error) {
	var o Owner
	u, g, ok := strings.Cut(s, ":")
	var err error
	if ok {
		o.UID, err = strconv.Atoi(u)
	}
	if err == nil && ok {
		o.GID, err = strconv.Atoi(g)
	}
	if !ok || err != nil || o.UID < 0 || o.GID < 0 {
		return Owner{}, fmt.Errorf("%q: want UID:GID, both numbers", s)
	}
	return o, nil
}

// Install makes the contents of to a copy of the regular files under from, but those whose names match one of
// the exclude globs (filepath.Match against the base name; an excluded directory is skipped whole), owned by
// owner: directories mode 0500, files 0400. to itself is kept (it is a volume's mount point) and is given the
// same owner and mode 0500. Each file is written under a temporary name and renamed into place, and what from
// no longer holds is removed last, so a node starting meanwhile (`docker compose restart` runs the secrets
// service again beside the nodes) reads either the old file or the new one, never a gap.
//
// It returns the number of files copied. A from without a single file (the nodes would start without their
// secrets), or holding anything but regular files and directories (a symlink, a device) that is not excluded,
// is an error, and to is left as it was. Changing owners takes root, unless owner is the caller's own.
func Install(from, to string, owner Owner, exclude []string) (int, error) {
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
	uid, gid := owner.UID, owner.GID
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
