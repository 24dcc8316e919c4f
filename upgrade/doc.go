// Package upgrade holds the rolling-upgrade test (build tag upgrade, `make upgrade`): a cluster started on the
// previous release is moved to the current build one node at a time while its inputs gather, and the gathers
// are counted at a demo target.
package upgrade
