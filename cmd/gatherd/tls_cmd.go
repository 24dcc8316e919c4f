package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/gatherd/gatherd/tlsutil"
)

// newTLSInitCmd is gatherd tls-init: a cluster CA and one certificate per node, for --tls-cert/--tls-key/--tls-ca.
func newTLSInitCmd() *cobra.Command {
	var dir string
	var nodes, hosts []string
	cmd := &cobra.Command{
		Use:   "tls-init --dir DIR --nodes node1,node2,node3 [--hosts extra,...]",
		Short: "Create a cluster CA and node certificates for mutual TLS",
		Long: `Create a certificate authority for one gatherd cluster in DIR (ca.pem, ca-key.pem), unless one is there
already, and a certificate and key for each node (NODE.pem, NODE-key.pem) that the agent takes with
--tls-cert, --tls-key and --tls-ca. Each node certificate names the node, localhost, 127.0.0.1 and every
--hosts entry. Existing files are never overwritten: remove a node's files to issue it a new certificate.

Keys are written with mode 0600. Copy to each node only its own certificate and key and ca.pem; keep
ca-key.pem off the nodes, since anyone holding it can join the cluster.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			names := splitList(nodes)
			if dir == "" {
				return errors.New("--dir is required")
			}
			if len(names) == 0 {
				return errors.New("--nodes is required")
			}
			out := cmd.OutOrStdout()
			caCert, caKey := filepath.Join(dir, tlsutil.CAFile), filepath.Join(dir, tlsutil.CAKeyFile)
			switch certErr, keyErr := exists(caCert), exists(caKey); {
			case certErr == nil && keyErr == nil:
				fmt.Fprintf(out, "using the CA in %s\n", caCert)
			case errors.Is(certErr, fs.ErrNotExist) && errors.Is(keyErr, fs.ErrNotExist):
				if err := tlsutil.GenerateCA(dir); err != nil {
					return fmt.Errorf("create CA: %w", err)
				}
				fmt.Fprintf(out, "created CA %s (key %s: keep it secret and off the nodes)\n", caCert, caKey)
			case certErr != nil && !errors.Is(certErr, fs.ErrNotExist):
				return certErr
			case keyErr != nil && !errors.Is(keyErr, fs.ErrNotExist):
				return keyErr
			default:
				return fmt.Errorf("%s has only one of %s and %s: restore the other or remove both", dir, tlsutil.CAFile, tlsutil.CAKeyFile)
			}
			for _, n := range names {
				sans := append([]string{n, "localhost", "127.0.0.1"}, splitList(hosts)...)
				cert, key := tlsutil.NodeFiles(dir, n)
				err := tlsutil.GenerateNodeCert(dir, n, sans)
				switch {
				case errors.Is(err, fs.ErrExist):
					fmt.Fprintf(out, "%s: kept the existing %s\n", n, cert)
				case err != nil:
					return fmt.Errorf("node %s: %w", n, err)
				default:
					fmt.Fprintf(out, "%s: --tls-cert %s --tls-key %s --tls-ca %s\n", n, cert, key, caCert)
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&dir, "dir", "", "directory for the CA and certificates (created with mode 0700)")
	f.StringSliceVar(&nodes, "nodes", nil, "comma-separated node names, one certificate each")
	f.StringSliceVar(&hosts, "hosts", nil, "comma-separated extra DNS names and IPs for every node certificate")
	return cmd
}

func exists(path string) error {
	_, err := os.Lstat(path)
	return err
}
