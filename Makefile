# Everyday developer targets. `make test` is what CI runs.
GO      ?= go
BIN     ?= bin/gatherd
PKGS    ?= ./...

.PHONY: build test race vet fmt bench fuzz up down scale e2e clean

FUZZTIME ?= 30s

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w" -o $(BIN) ./cmd/gatherd

# vet, gofmt and the whole suite under the race detector (fuzz targets run their seed corpora).
test: vet fmt race

vet:
	$(GO) vet $(PKGS)

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

race:
	$(GO) test -race -count=1 -timeout 20m $(PKGS)

# Figures, not assertions: placement, worker overhead, failover.
bench:
	$(GO) test -run '^$$' -bench . -benchtime 3x ./sharding/
	$(GO) test -run '^$$' -bench . -benchtime 1x ./worker/
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 30m ./cluster/

# Each fuzz target for FUZZTIME; `make test` already runs their seed corpora.
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzInputSpec$$' -fuzztime $(FUZZTIME) ./api/
	$(GO) test -run '^$$' -fuzz '^FuzzParseInputs$$' -fuzztime $(FUZZTIME) ./telegrafx/
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeApply$$' -fuzztime $(FUZZTIME) ./store/

clean:
	rm -rf bin
