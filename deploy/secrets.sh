#!/bin/sh
# Generates what the docker-compose cluster needs to run secured: a gossip encryption key, a cluster CA with a
# certificate for each of node1..3 and one shared by the `worker` replicas, and API tokens with the write and the
# read role. `make up` runs it (as `make secrets`); it never replaces what is already there, so the cluster keeps
# its keys across `make up`s. Delete the folder (after `make down`) to start over with new ones.
#
#   deploy/secrets.sh [DIR]   (default .secrets; env GATHERD: the gatherd binary, default bin/gatherd)
#
# DIR (mode 0700, git-ignored) holds:
#   agent.yaml             the agents' --config: encrypt, tls-ca, api-token-file (paths as the containers see them)
#   tokens                 the agents' --api-token-file: write:... and read:...
#   write-token            the write token alone, for the CLI (GATHERD_TOKEN_FILE) and the seed service
#   read-token             the read token alone (the containers' healthchecks use it)
#   tls/                   ca.pem, ca-key.pem (never copied into the containers), NODE.pem and NODE-key.pem
#   env                    `. DIR/env` points bin/gatherd at node1 over HTTPS with the write token
# The containers get these files through the `secrets` service (see docker-compose.yml), never the CA key.
set -eu
dir=${1:-.secrets}
gatherd=${GATHERD:-bin/gatherd}
[ -x "$gatherd" ] || { echo "secrets: no $gatherd: run make build" >&2; exit 1; }

umask 077
if [ -d "$dir" ] && ! [ -w "$dir" ]; then
	# `docker compose up` run before `make up` makes the missing bind-mount source itself, owned by root.
	echo "secrets: $dir exists but is not writable (made by Docker?): remove it (sudo rmdir $dir) and run make up" >&2
	exit 1
fi
mkdir -p "$dir"
chmod 0700 "$dir"
abs=$(cd "$dir" && pwd)

# newfile NAME: true when NAME is to be written (it is missing); says so.
newfile() {
	if [ -s "$dir/$1" ]; then
		return 1
	fi
	echo "secrets: writing $dir/$1"
}

# A token is a fresh 32-byte key from keygen, in base64url without padding so that it needs no quoting anywhere.
token() { "$gatherd" keygen | tr '+/' '-_' | tr -d '='; }

if newfile write-token; then token >"$dir/write-token"; fi
if newfile read-token; then token >"$dir/read-token"; fi
if newfile tokens; then
	{
		echo "# API tokens of the compose cluster (deploy/secrets.sh): role:token"
		echo "write:$(cat "$dir/write-token")"
		echo "read:$(cat "$dir/read-token")"
	} >"$dir/tokens"
fi
if newfile agent.yaml; then
	{
		echo "# Security settings of the compose cluster's agents (deploy/secrets.sh), read as --config."
		echo "# Paths are inside the containers: the secrets volume is mounted at /secrets."
		echo "encrypt: $("$gatherd" keygen)"
		echo "tls-ca: /secrets/tls/ca.pem"
		echo "api-token-file: /secrets/tokens"
	} >"$dir/agent.yaml"
fi
# The worker certificate is shared by every worker replica: they are scaled up and down by the dozen and their
# host names are container IDs, unknown in advance. Nodes verify that a peer's certificate comes from the
# cluster CA, not which node presents it (see tlsutil.Config.Client), so a shared one works.
"$gatherd" tls-init --dir "$dir/tls" --nodes node1,node2,node3,worker | sed 's/^/secrets: /'
if newfile env; then
	{
		echo "# . $dir/env: bin/gatherd then talks to node1 of the compose cluster with the write token."
		echo "export GATHERD_ADDR=https://localhost:8081"
		echo "export GATHERD_CA_CERT=$abs/tls/ca.pem"
		echo "export GATHERD_TOKEN_FILE=$abs/write-token"
	} >"$dir/env"
fi
