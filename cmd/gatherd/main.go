// Command gatherd runs a gatherd node (gatherd agent) and talks to a cluster's API (every other subcommand).
// It only parses flags and wires packages together.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	if err := newRootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "gatherd",
		Short:         "A highly available cluster that runs metrics-collection inputs",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newAgentCmd(), newTLSInitCmd(), newDemoTargetCmd(), newInstallSecretsCmd())
	addClientCommands(root)
	return root
}
