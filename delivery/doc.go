// Package delivery holds process-level tests of what reaches the outputs: real `gatherd agent` processes
// (killed with kill -9, stopped with SIGTERM, started again on their data dirs) writing to Debian's InfluxDB and
// Prometheus through disk buffers, with every gathered slot counted at the demo target. They skip when the
// server binaries are missing (.ci/run installs them).
package delivery
