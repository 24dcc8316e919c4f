#!/bin/sh
# Makes the cluster forget workers whose containers are gone (removed by `make scale`, or replaced by `make up`).
# A worker keeps its data in its container, so it never comes back under that node ID; without this it stays
# listed as a dead member and a raft non-voter that the leader keeps trying to reach.
#
#   deploy/forget-gone-workers.sh [API URL]   (default $GATHERD_ADDR, else https://localhost:8081)
#
# Environment: PROJECT (compose project, default gatherd), GATHERD (the binary, default bin/gatherd), and the
# CLI's GATHERD_CA_CERT and GATHERD_TOKEN_FILE or GATHERD_TOKEN (a write token: it runs `gatherd leave`).
set -eu
addr=${1:-${GATHERD_ADDR:-https://localhost:8081}}
project=${PROJECT:-gatherd}
gatherd=${GATHERD:-bin/gatherd}

if ! [ -x "$gatherd" ]; then
	echo "forget-gone-workers: no $gatherd (make build); nothing forgotten" >&2
	exit 0
fi
i=0
until "$gatherd" health --ready --addr "$addr" >/dev/null 2>&1; do
	i=$((i + 1))
	if [ "$i" -ge 60 ]; then
		echo "forget-gone-workers: the cluster at $addr is not ready; nothing forgotten" >&2
		exit 0
	fi
	sleep 1
done

# A worker's node ID is its container's hostname: the first 12 hex digits of the container ID. Stopped
# containers count as present: they may start again.
present=$(docker ps -a --no-trunc --filter "label=com.docker.compose.project=$project" \
	--filter "label=com.docker.compose.service=worker" --format '{{.ID}}' | cut -c1-12)

"$gatherd" members --addr "$addr" |
	awk 'NR > 1 && $2 != "alive" && $3 != "left" && length($1) == 12 && $1 ~ /^[0-9a-f]+$/ { print $1 }' |
	while read -r id; do
		if printf '%s\n' "$present" | grep -qx "$id"; then
			continue
		fi
		"$gatherd" leave "$id" --addr "$addr"
	done
