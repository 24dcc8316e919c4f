// Package activity records what one node observes over time, for the console: cluster events (members that
// join, fail, leave or drain, leader and term changes) seen in its own status, and its gathers and errors per
// 10 s over the last hour. It keeps bounded rings in memory only; it never writes to raft and never talks to
// other nodes (the API fans out to them).
package activity
