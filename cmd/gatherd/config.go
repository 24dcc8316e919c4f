package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// bindSettings makes every flag of cmd also settable from GATHERD_<FLAG> (upper case, dashes as underscores)
// and from the file named by --config (YAML or TOML, keys named like the flags). Precedence: flag, then
// environment, then file, then the flag's default.
func bindSettings(cmd *cobra.Command, configFlag string) (*viper.Viper, error) {
	v := viper.New()
	v.SetEnvPrefix("GATHERD")
	v.SetEnvKeyReplacer(strings.NewReplacer("-", "_"))
	v.AutomaticEnv()
	if err := v.BindPFlags(cmd.Flags()); err != nil {
		return nil, err
	}
	if path := v.GetString(configFlag); path != "" {
		v.SetConfigFile(path)
		if err := v.ReadInConfig(); err != nil {
			return nil, fmt.Errorf("read config %s: %w", path, err)
		}
		known := map[string]bool{}
		cmd.Flags().VisitAll(func(f *pflag.Flag) { known[f.Name] = true })
		for _, k := range v.AllKeys() {
			// [[outputs.X]] tables and [agent]'s buffer keys are Telegraf's, read by the outputs loader.
			if top := strings.SplitN(k, ".", 2)[0]; !known[top] && top != "outputs" && !isAgentBufferKey(k) {
				return nil, fmt.Errorf("config %s: unknown setting %q", path, k)
			}
		}
	}
	return v, nil
}

// isAgentBufferKey reports whether k is one of the [agent] keys the outputs loader reads (viper lowercases keys).
func isAgentBufferKey(k string) bool {
	switch k {
	case "agent.buffer_strategy", "agent.buffer_directory", "agent.buffer_size_limit":
		return true
	}
	return false
}
