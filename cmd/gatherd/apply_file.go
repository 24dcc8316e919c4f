package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gatherd/gatherd/client"
	"github.com/gatherd/gatherd/store"
)

// readApplyFile reads what `inputs apply -f` names: a file ("-" for standard input), or a directory whose
// *.conf files make one Telegraf config, in name order. It returns the bytes and their format, json or toml.
func readApplyFile(cmd *cobra.Command, name, format string) ([]byte, string, error) {
	if name != "-" {
		if st, err := os.Stat(name); err == nil && st.IsDir() {
			if format != "auto" && format != "" && format != "toml" {
				return nil, "", fmt.Errorf("%s is a directory: its *.conf files are Telegraf TOML, not %s", name, format)
			}
			b, err := readConfigDir(name)
			return b, "toml", err
		}
	}
	b, err := readSpecFile(cmd, name)
	if err != nil {
		return nil, "", err
	}
	switch format {
	case "", "auto":
		format = "json"
		switch strings.ToLower(filepath.Ext(name)) {
		case ".toml", ".conf":
			format = "toml"
		}
	case "json", "toml":
	default:
		return nil, "", fmt.Errorf("--format must be auto, json or toml, not %q", format)
	}
	return b, format, nil
}

// readConfigDir joins the *.conf files of dir, as Telegraf's --config-directory reads them.
func readConfigDir(dir string) ([]byte, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.conf"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s holds no *.conf file", dir)
	}
	slices.Sort(files)
	var buf bytes.Buffer
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		buf.Write(b)
		buf.WriteString("\n")
	}
	return buf.Bytes(), nil
}

// defaultSource names the source of an apply after its file or directory, in the characters a source may use.
func defaultSource(name string) string {
	if name == "-" {
		return store.DefaultSource
	}
	base := filepath.Base(filepath.Clean(name))
	src := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			return r
		}
		return '_'
	}, base)
	if len(src) > store.MaxIDLength {
		src = src[:store.MaxIDLength]
	}
	return src
}

// renderPlan prints an apply's outcome the way `terraform plan` does: counts, then the IDs, + created,
// ~ updated, - deleted.
func renderPlan(w io.Writer, source string, r *client.ApplyResult) error {
	verb := "applied at raft index " + fmt.Sprint(r.Index)
	if r.DryRun {
		verb = "dry run: nothing changed"
	}
	fmt.Fprintf(w, "plan for source %s: %d to create, %d to update, %d to delete, %d unchanged (%s)\n",
		source, len(r.Created), len(r.Updated), len(r.Deleted), r.Unchanged, verb)
	for _, l := range []struct {
		mark string
		ids  []string
	}{{"+", r.Created}, {"~", r.Updated}, {"-", r.Deleted}} {
		for _, id := range l.ids {
			if _, err := fmt.Fprintf(w, "  %s %s\n", l.mark, id); err != nil {
				return err
			}
		}
	}
	return nil
}
