// Package demotarget is an HTTP server for metrics inputs to probe and scrape that counts every probe per input
// ID on the target's side, so that a missed or doubled gather is seen where it lands; docker-compose.yml's
// target service and the e2e chaos suite run it as `gatherd demo-target`. It is a test fixture that nodes must
// never import, and its memory must stay bounded whatever it is sent.
package demotarget
