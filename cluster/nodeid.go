package cluster

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/gatherd/gatherd/store"
)

const nodeIDFile = "node-id"

// ResolveNodeID returns the node's ID and records it in dataDir, so that a node keeps its identity across
// restarts. An explicit id wins over the recorded one only when none is recorded: changing a node's ID under
// its raft data would make it a stranger to its own cluster.
func ResolveNodeID(dataDir, explicit string) (string, error) {
	path := filepath.Join(dataDir, nodeIDFile)
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		recorded := strings.TrimSpace(string(b))
		if explicit != "" && explicit != recorded {
			return "", fmt.Errorf("node id %q differs from %q recorded in %s: use a fresh data dir to rename a node", explicit, recorded, path)
		}
		return recorded, nil
	case !errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("read node id: %w", err)
	}
	id := explicit
	if id == "" {
		if id, err = os.Hostname(); err != nil {
			return "", fmt.Errorf("node id from hostname: %w", err)
		}
	}
	if !store.ValidID(id) {
		return "", fmt.Errorf("node id %q must be 1 to 128 characters of A-Z a-z 0-9 . _ -", id)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", fmt.Errorf("create data dir: %w", err)
	}
	if err := os.WriteFile(path, []byte(id+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("record node id: %w", err)
	}
	return id, nil
}
