package api

import (
	"errors"
	"testing"

	"github.com/gatherd/gatherd/store"
	"github.com/gatherd/gatherd/wire"
)

// FuzzInputSpec feeds arbitrary bodies to the input-spec decoding a PUT goes through: it must never panic,
// every rejection must be a FieldError naming a field, and anything accepted must be a valid spec.
func FuzzInputSpec(f *testing.F) {
	for _, seed := range []string{
		`{"plugin":"http_response","interval":"10s","timeout":"5s","config":{"urls":["http://127.0.0.1/"]}}`,
		`{"plugin":"x","interval":"99ms"}`,
		`{"plugin":"x","intervall":"1s"}`,
		`{"plugin":"x","config":{"password":"<redacted>"}}`,
		`{"plugin":7}`,
		`[]`,
		`{"plugin":"x"} {}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req wire.InputSpec
		err := decodeStrict(body, &req)
		if err == nil {
			req.ID = "fuzz"
			var in store.Input
			in, err = toInput(req, "")
			if err == nil {
				if verr := in.Validate(); verr != nil {
					t.Fatalf("accepted an invalid spec: %v", verr)
				}
				if _, redacted := FindRedacted(in.Config); redacted {
					t.Fatal("accepted a config holding the redaction marker")
				}
				return
			}
		}
		var fe *store.FieldError
		if !errors.As(err, &fe) || fe.Field == "" {
			t.Fatalf("rejection without a field: %v", err)
		}
	})
}
