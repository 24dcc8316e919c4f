// Package secretsinstall copies a cluster's secret files into the volume its nodes mount, owned by the nodes'
// user and readable by it alone; docker-compose.yml's one-shot `secrets` service runs it as root through
// `gatherd install-secrets`, since a FROM scratch image has no cp or chown. It must never copy anything but
// regular files and directories, nor replace a file in place: a node starting meanwhile reads the old file or
// the new one, never a gap.
package secretsinstall
