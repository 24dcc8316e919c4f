package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/cobra"
)

func agentFlags(t *testing.T, args ...string) *cobra.Command {
	t.Helper()
	cmd := newAgentCmd()
	if err := cmd.ParseFlags(args); err != nil {
		t.Fatal(err)
	}
	return cmd
}

func TestSettingsPrecedence(t *testing.T) {
	dir := t.TempDir()
	yaml := filepath.Join(dir, "gatherd.yaml")
	if err := os.WriteFile(yaml, []byte("data-dir: /from/file\nvoters: 5\njoin: [a:7946, b:7946]\nraft-port: 1000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GATHERD_VOTERS", "1")
	t.Setenv("GATHERD_RAFT_PORT", "2000")
	v, err := bindSettings(agentFlags(t, "--config", yaml, "--raft-port", "3000"), "config")
	if err != nil {
		t.Fatal(err)
	}
	if got := v.GetString("data-dir"); got != "/from/file" {
		t.Errorf("data-dir = %q, want the file's", got)
	}
	if got := v.GetInt("voters"); got != 1 {
		t.Errorf("voters = %d, want the environment's 1 over the file's 5", got)
	}
	if got := v.GetInt("raft-port"); got != 3000 {
		t.Errorf("raft-port = %d, want the flag's 3000", got)
	}
	if got := splitList(v.GetStringSlice("join")); len(got) != 2 || got[1] != "b:7946" {
		t.Errorf("join = %v", got)
	}
}

func TestConfigFileRejectsUnknownSettingsButAllowsOutputs(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	_ = os.WriteFile(bad, []byte("data-dri: /x\n"), 0o600)
	if _, err := bindSettings(agentFlags(t, "--config", bad), "config"); err == nil {
		t.Fatal("a misspelt setting was accepted")
	}
	good := filepath.Join(dir, "agent.toml")
	_ = os.WriteFile(good, []byte("data-dir = \"/x\"\n\n[agent]\n  buffer_strategy = \"disk\"\n  buffer_size_limit = \"1MiB\"\n\n[[outputs.file]]\n  files = [\"stdout\"]\n"), 0o600)
	if _, err := bindSettings(agentFlags(t, "--config", good), "config"); err != nil {
		t.Fatalf("a TOML config with outputs and their buffer settings was rejected: %v", err)
	}
	other := filepath.Join(dir, "other.toml")
	_ = os.WriteFile(other, []byte("[agent]\n  interval = \"10s\"\n"), 0o600)
	if _, err := bindSettings(agentFlags(t, "--config", other), "config"); err == nil {
		t.Fatal("an [agent] key gatherd does not read was accepted")
	}
}
