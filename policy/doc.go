// Package policy decides what a submitted input may make a node do. Telegraf trusts its config because the
// machine's operator wrote it; gatherd takes inputs from the network, so every option of every linked plugin
// is classified here (the audit table), an input's config is inspected for what it would make a node do (run
// a program, use a local path, bind a local interface, reach a link-local address), and a node's Policy, set
// only by its operator, says which of those it allows. It is pure apart from resolving symlinks on the node
// that checks a path, and it must never load or start a plugin: the check comes before a plugin's Init, which
// may already read the files it names.
package policy
