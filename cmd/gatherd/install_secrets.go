package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/gatherd/gatherd/secretsinstall"
	"github.com/gatherd/gatherd/tlsutil"
)

// newInstallSecretsCmd is the plumbing behind docker-compose.yml's `secrets` service. `make secrets` writes the
// cluster's secrets into .secrets/ on the host, readable only by the user who ran it; the nodes run as uid
// 10001 in their containers and could not read a bind mount of that folder. So a one-shot container running as
// root copies the files (secretsinstall.Install) into a named volume, owned by the nodes' user and readable by
// it alone, and the nodes mount that volume read-only.
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
			o, err := secretsinstall.ParseOwner(owner)
			if err != nil {
				return fmt.Errorf("--owner %w", err)
			}
			n, err := secretsinstall.Install(from, to, o, exclude)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "installed %d files from %s into %s for %d:%d\n", n, from, to, o.UID, o.GID)
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
