// Package console is gatherd's web console: plain HTML, CSS and JavaScript embedded in the binary and served
// by every node under /ui/. The files hold no data and fetch nothing from the internet; the browser reads
// everything from the node's own API with the operator's token.
package console
