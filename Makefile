# Everyday developer targets. `make test` is what CI runs.
GO      ?= go
BIN     ?= bin/gatherd
PKGS    ?= ./...

.PHONY: build test race vet fmt bench fuzz up down scale e2e clean

FUZZTIME ?= 30s
# The version GET /v1/nodes and the console show: the checkout's description, else the build's own stamp.
VERSION ?= $(shell git describe --always --dirty 2>/dev/null)

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w -X github.com/gatherd/gatherd/api.version=$(VERSION)" -o $(BIN) ./cmd/gatherd

# vet, gofmt and the whole suite under the race detector (fuzz targets run their seed corpora), then the
# delivery tests on their own.
test: vet fmt race delivery

vet:
	$(GO) vet $(PKGS)

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

race:
	$(GO) test -race -count=1 -timeout 20m $$($(GO) list $(PKGS) | grep -v '/delivery$$')

# The delivery tests run real gatherd processes (built without -race) against InfluxDB and Prometheus and count
# every slot: alone, not beside the race-instrumented packages, whose load starves the processes' timing.
.PHONY: delivery
delivery:
	$(GO) test -count=1 -timeout 15m ./delivery/

# The issue's full-length InfluxDB outage (60 s; make test runs it for 21 s) with a kill -9 and a SIGTERM in it.
.PHONY: test-outage
test-outage:
	GATHERD_OUTAGE=60s $(GO) test -count=1 -v -timeout 10m -run TestDiskBufferLosesNoSlot ./delivery/ | grep -v '^ *{'

# Figures, not assertions: placement, worker overhead, failover.
bench:
	$(GO) test -run '^$$' -bench . -benchtime 3x ./sharding/
	$(GO) test -run '^$$' -bench . -benchtime 1x ./worker/
	$(GO) test -run '^$$' -bench 'BenchmarkAppend|BenchmarkOutputBuffer' ./diskqueue/ ./telegrafx/
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 30m ./cluster/

# 30,000 inputs (60 Telegraf tables of 500 targets) applied to a 3-node testcluster, then re-applied; about 30 s.
.PHONY: bench-fleet
bench-fleet: # each run in a process of its own: one 30k cluster's garbage skews the next
	for i in 1 2 3; do $(GO) test -run '^$$' -bench BenchmarkFleetApply -benchtime 1x -count 1 -timeout 30m ./agent/ | grep Benchmark; done

# 30,000 http_response inputs at 30 s on 3 in-process nodes, the busiest follower killed: orphans, reassign
# time, missed slots at the target vs the share due before reassignment, term changes, false failure marks,
# CPU and peak RSS of the process. About 3 minutes a run; FAILOVER_INPUTS sets another count.
.PHONY: bench-failover
bench-failover:
	$(GO) test -run '^$$' -bench BenchmarkMassFailover -benchtime 1x -timeout 30m ./agent/ | grep -E 'Benchmark|false marks|reassignment missed'

# The same kill on real processes (bench/failover): FAILOVER_NODES `gatherd agent` processes on 127.0.0.1, each
# its own Go runtime as on a fleet, against a target this command serves; it prints the load, the steady CPU
# and RSS of each node, then the failover's figures with each survivor's CPU and RSS. 30,000 on 3 by default
# (about 4 minutes); FAILOVER_INPUTS=100000 FAILOVER_NODES=5 for the large fleet.
.PHONY: bench-failover-procs
bench-failover-procs: build
	$(GO) run ./bench/failover -bin $(BIN) -inputs $(or $(FAILOVER_INPUTS),30000) -nodes $(or $(FAILOVER_NODES),3)

# The same fleet, the busiest follower drained (10,000 planned moves at once) and undrained: moved inputs,
# how far ahead the moves were stamped, slots missed and doubled at the target, CPU and peak RSS. About 4
# minutes. FAILOVER_INPUTS / FAILOVER_NODES size both fleet benchmarks (e.g. 100000 on 5).
.PHONY: bench-planned
bench-planned:
	$(GO) test -run '^$$' -bench BenchmarkMassPlannedMove -benchtime 1x -timeout 30m ./agent/ | grep -E 'Benchmark|generation'
# The linearizability check (linearizability/): 8 clients against a 3-node testcluster while nodes are killed,
# restarted, cut off and slowed (the leader among them); porcupine checks the history. `make test` runs 25 s of
# it; this runs JEPSEN_DURATION and wants at least JEPSEN_MIN_OPS operations. On a violation it names the HTML
# visualization porcupine drew.
JEPSEN_DURATION ?= 5m
JEPSEN_MIN_OPS  ?= 10000
.PHONY: jepsen
jepsen:
	GATHERD_LIN_DURATION=$(JEPSEN_DURATION) GATHERD_LIN_MIN_OPS=$(JEPSEN_MIN_OPS) \
		$(GO) test -count=1 -timeout 60m -v -run 'TestLinearizableUnderFaults|TestConsistentReadAfterLeaderKill' ./linearizability/

# The soak (e2e/soak_test.go): the compose cluster with inputs at 1 s and 10 s and a random fault every 30-60 s
# (kill, pause, network cut, restart, scale up and down) for DURATION; the table per fault kind goes into
# e2e/results.md. `make soak DURATION=1h`; the image is built first (IMAGE, default gatherd:dev).
DURATION ?= 5m
.PHONY: soak
soak: image
	@p=gatherd-soak-$$$$; rc=0; \
	GATHERD_E2E_PROJECT=$$p GATHERD_IMAGE=$(IMAGE) GATHERD_COMPOSE="$(COMPOSE)" GATHERD_SOAK_DURATION=$(DURATION) GATHERD_SOAK_FAULTS="$(SOAK_FAULTS)" \
		$(GO) test -tags e2e -count=1 -timeout 0 -v -run '^TestSoak$$' ./e2e/ || rc=$$?; \
	GATHERD_IMAGE=$(IMAGE) $(COMPOSE) -p $$p -f docker-compose.yml down -v --remove-orphans -t 1 >/dev/null 2>&1; \
	exit $$rc

# Rolling upgrade (upgrade/, build tag upgrade): 3 nodes of the previous release (v0.1.0, built from git) moved
# to this tree one at a time while 12 inputs gather every second; 0 slots missed or doubled, 0 inputs lost.
.PHONY: upgrade
upgrade:
	$(GO) test -tags upgrade -count=1 -timeout 15m -v ./upgrade/

# Each fuzz target for FUZZTIME; `make test` already runs their seed corpora.
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzInputSpec$$' -fuzztime $(FUZZTIME) ./api/
	$(GO) test -run '^$$' -fuzz '^FuzzParseInputs$$' -fuzztime $(FUZZTIME) ./telegrafx/
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeApply$$' -fuzztime $(FUZZTIME) ./store/

# gatherd's worker next to one Telegraf agent (same module) on this machine: CPU per gather and memory at
# 10k http_response inputs, one child process per mode, then the ratios. About 6 minutes; run it alone.
.PHONY: bench-telegraf
bench-telegraf:
	$(GO) run ./bench/telegrafcmp -n 10000

clean:
	rm -rf bin

# --- Docker: `make up` runs a 3-node cluster with a demo target and demo inputs (docker-compose.yml). ---
# The cluster is secured with what `make secrets` puts in $(SECRETS): encrypted gossip, mutual TLS between nodes,
# an HTTPS API that wants a token (`. $(SECRETS)/env` points bin/gatherd at it).
# N is the total number of nodes: node1..node3 plus N-3 `worker` replicas. Nothing is pulled: the image is FROM
# scratch with bin/gatherd and the host's CA bundle.
IMAGE   ?= gatherd:dev
PROJECT ?= gatherd
N       ?= 3
COMPOSE ?= $(shell docker compose version >/dev/null 2>&1 && echo "docker compose" || echo docker-compose)
SECRETS ?= .secrets
DC       = GATHERD_IMAGE=$(IMAGE) GATHERD_SECRETS=$(abspath $(SECRETS)) $(COMPOSE) -p $(PROJECT) -f docker-compose.yml
# The host's CLI against node1 (forget-gone-workers.sh).
CLI_ENV  = GATHERD_ADDR=https://localhost:8081 GATHERD_CA_CERT=$(SECRETS)/tls/ca.pem GATHERD_TOKEN_FILE=$(SECRETS)/write-token
WORKERS  = $$(n=$(N); if [ "$$n" -lt 3 ] 2>/dev/null || ! [ "$$n" -eq "$$n" ] 2>/dev/null; then echo "N must be a number >= 3" >&2; exit 1; fi; echo $$((n - 3)))

.PHONY: image secrets

image: build
	@mkdir -p bin/image/empty
	cp /etc/ssl/certs/ca-certificates.crt bin/image/ca-certificates.crt
	docker build -t $(IMAGE) .

# Gossip key, CA and node certificates, API tokens; kept if there (deploy/secrets.sh).
secrets: build
	@GATHERD=$(BIN) deploy/secrets.sh $(SECRETS)

up: image secrets
	w=$(WORKERS) && $(DC) up -d --remove-orphans --scale worker=$$w
	@$(CLI_ENV) PROJECT=$(PROJECT) GATHERD=$(BIN) deploy/forget-gone-workers.sh
	@echo "API: https://localhost:8081 (node1), :8082, :8083 (CA $(SECRETS)/tls/ca.pem, token $(SECRETS)/write-token)"
	@echo "demo target: http://localhost:9000/hits"
	@echo "try: . $(SECRETS)/env; bin/gatherd status; bin/gatherd assignments; $(COMPOSE) -p $(PROJECT) logs -f node1"

# Stops and removes the containers; the named volumes (node data, so every input) stay. `make down V=1`
# removes them too. Workers stop first, so that they hand their inputs over while node1..3 run and no raft vote
# moves to a worker (whose data goes with its container).
down:
	$(DC) stop -t 30 worker
	$(DC) down --remove-orphans $(if $(V),-v)

# Grows or shrinks the worker service to N-3 replicas; removed workers hand their inputs over first, then the
# cluster forgets them (deploy/forget-gone-workers.sh).
scale:
	w=$(WORKERS) && $(DC) up -d --no-recreate --no-deps --scale worker=$$w worker
	@$(CLI_ENV) PROJECT=$(PROJECT) GATHERD=$(BIN) deploy/forget-gone-workers.sh

# The container chaos suite (e2e/, build tag e2e) under its own compose project; skips without Docker.
e2e: image
	@p=gatherd-e2e-$$$$; rc=0; \
	GATHERD_E2E_PROJECT=$$p GATHERD_IMAGE=$(IMAGE) GATHERD_COMPOSE="$(COMPOSE)" \
		$(GO) test -tags e2e -count=1 -timeout 15m -v ./e2e/ || rc=$$?; \
	GATHERD_IMAGE=$(IMAGE) $(COMPOSE) -p $$p -f docker-compose.yml down -v --remove-orphans -t 1 >/dev/null 2>&1; \
	exit $$rc
