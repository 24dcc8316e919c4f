package main

import (
	"errors"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/gatherd/gatherd/api"
	"github.com/gatherd/gatherd/tlsutil"
)

// addSecurityFlags adds the agent's TLS, API token and rate limit flags.
func addSecurityFlags(f *pflag.FlagSet) {
	f.String("tls-cert", "", "node certificate (PEM) for mutual TLS between nodes and HTTPS on the API; needs --tls-key and --tls-ca (see gatherd tls-init)")
	f.String("tls-key", "", "key of --tls-cert (PEM)")
	f.String("tls-ca", "", "cluster CA certificate (PEM): only nodes with certificates it signed are trusted")
	f.String("api-token", "", "bearer token allowed to read and write the API; prefer GATHERD_API_TOKEN or --api-token-file, as flags show in ps")
	f.String("api-read-token", "", "bearer token allowed only to read the API (GET and HEAD)")
	f.String("api-token-file", "", "file of API tokens, one per line as read:TOKEN or write:TOKEN (# starts a comment)")
	f.Float64("write-rate", api.DefaultWriteRate, "API writes per second allowed per client address; negative: no limit")
	f.Int("write-burst", api.DefaultWriteBurst, "API writes a client may make at once before --write-rate applies")
}

// agentSecurity is what the security settings turn into.
type agentSecurity struct {
	tls        *tlsutil.Config // nil: raft over plain TCP and the API over plain HTTP
	tokens     []api.Token     // empty: the API is open
	writeRate  float64
	writeBurst int
}

func securitySettings(v *viper.Viper) (agentSecurity, error) {
	s := agentSecurity{writeRate: v.GetFloat64("write-rate"), writeBurst: v.GetInt("write-burst")}
	cert, key, ca := v.GetString("tls-cert"), v.GetString("tls-key"), v.GetString("tls-ca")
	switch {
	case cert != "" && key != "" && ca != "":
		c, err := tlsutil.Load(cert, key, ca)
		if err != nil {
			return s, err
		}
		s.tls = c
	case cert != "" || key != "" || ca != "":
		// Half a TLS setup silently running in plain text would be worse than not starting.
		return s, errors.New("--tls-cert, --tls-key and --tls-ca go together: set all three or none")
	}
	if t := v.GetString("api-token"); t != "" {
		s.tokens = append(s.tokens, api.Token{Value: t, Role: api.RoleWrite})
	}
	if t := v.GetString("api-read-token"); t != "" {
		s.tokens = append(s.tokens, api.Token{Value: t, Role: api.RoleRead})
	}
	if file := v.GetString("api-token-file"); file != "" {
		ts, err := api.LoadTokens(file)
		if err != nil {
			return s, err
		}
		if len(ts) == 0 {
			// An empty file would leave the API open, the opposite of what naming a token file asks for.
			return s, errors.New("--api-token-file " + file + " holds no tokens")
		}
		s.tokens = append(s.tokens, ts...)
	}
	return s, nil
}
