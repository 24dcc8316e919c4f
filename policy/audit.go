package policy

import (
	"maps"
	"slices"
)

// Class says what an option can make a node do.
type Class int

const (
	// Safe options only shape what is gathered from a target and how it is reported.
	Safe Class = iota
	// Owned options belong to gatherd's own input fields (interval, jitter); the input builder refuses them in
	// config, so the audit treats them as safe.
	Owned
	// Target options name a network target: a host, host:port or [scheme://]host[:port]. A literal link-local
	// address (cloud metadata services) needs --allow-targets.
	Target
	// URL options name a URL to fetch. http(s) URLs (and socks5 proxies) are targets; an http+unix URL, in any
	// spelling, is a local socket path; any other scheme is refused.
	URL
	// CertSource is x509_cert's sources: tcp://, udp://, https:// and smtp:// are targets; a file:// URL, a
	// bare path, jks:// and pkcs12:// are local paths (globs included); anything else is refused.
	CertSource
	// Path options name a local file, directory or socket that the plugin reads or writes.
	Path
	// Program options can make the node run a program: ping's method = "exec".
	Program
	// Interface options bind the node's own interface or source address.
	Interface
	// Never options are refused from the API whatever the node allows: ping's binary and arguments choose the
	// program and its arguments.
	Never
	// Network options name a transport: udp or tcp (with 4 or 6, and dns_query's tcp-tls) only, never unix
	// sockets.
	Network
)

var classNames = map[Class]string{
	Safe: "safe", Owned: "owned by gatherd", Target: "network target", URL: "URL (target, or local path)",
	CertSource: "certificate source (target, or local path)", Path: "local path", Program: "runs a program",
	Interface: "binds a local interface", Never: "never accepted", Network: "transport (udp or tcp only)",
}

func (c Class) String() string { return classNames[c] }

// Plugin is the audit of one plugin: every option it takes, and the options of its sub-tables (snmp's
// [[inputs.snmp.field]] and [[inputs.snmp.table]]).
type Plugin struct {
	Options map[string]Class
	Tables  map[string]Plugin
	// Parser: the plugin takes data_format and the options of the parser it names.
	Parser bool
}

// Table is the audit: plugin name -> its options. Inputs of plugins not in the table are refused.
type Table map[string]Plugin

// With returns a copy of t with more plugins (a test binary's own plugins).
func (t Table) With(more Table) Table {
	out := maps.Clone(t)
	maps.Copy(out, more)
	return out
}

// Names returns the audited plugins, sorted.
func (t Table) Names() []string { return slices.Sorted(maps.Keys(t)) }

// Common is the audit of the per-input keys Telegraf's loader takes for every input plugin (models.InputConfig
// and its filter), beside the plugin's own options.
var Common = map[string]Class{
	"alias": Safe, "name_override": Safe, "name_prefix": Safe, "name_suffix": Safe, "tags": Safe,
	"precision": Safe, "log_level": Safe, "time_source": Safe,
	"namepass": Safe, "namepass_separator": Safe, "namedrop": Safe, "namedrop_separator": Safe,
	"pass": Safe, "fieldpass": Safe, "fieldinclude": Safe, "drop": Safe, "fielddrop": Safe, "fieldexclude": Safe,
	"tagpass": Safe, "tagdrop": Safe, "taginclude": Safe, "tagexclude": Safe,
	// metricpass is a CEL expression over the metric; CEL has no file, process or network functions.
	"metricpass": Safe,
	"interval":   Owned, "collection_jitter": Owned, "collection_offset": Owned, "startup_error_behavior": Owned,
}

// ParserCommon is the audit of the keys that choose a parser, for plugins that take one.
var ParserCommon = map[string]Class{"data_format": Safe, "influx_parser_type": Safe}

// Parsers is the audit of every parser linked into the binary (data_format values), by its options. None
// reads a file or runs a program: they parse the bytes the plugin fetched.
var Parsers = map[string]map[string]Class{
	"influx": {"influx_timestamp_precision": Safe},
	"json": {
		"json_name_key": Safe, "json_query": Safe, "json_strict": Safe, "json_string_fields": Safe,
		"json_time_format": Safe, "json_time_key": Safe, "json_timezone": Safe, "metric_name": Safe, "tag_keys": Safe,
	},
	"prometheus": {"prometheus_ignore_timestamp": Safe, "prometheus_metric_version": Safe},
	"csv": {
		"csv_column_names": Safe, "csv_column_types": Safe, "csv_comment": Safe, "csv_delimiter": Safe,
		"csv_header_row_count": Safe, "csv_measurement_column": Safe, "csv_metadata_rows": Safe,
		"csv_metadata_separators": Safe, "csv_metadata_trim_set": Safe, "csv_reset_mode": Safe,
		"csv_skip_columns": Safe, "csv_skip_errors": Safe, "csv_skip_rows": Safe, "csv_skip_values": Safe,
		"csv_tag_columns": Safe, "csv_tag_overwrite": Safe, "csv_timestamp_column": Safe,
		"csv_timestamp_format": Safe, "csv_timezone": Safe, "csv_trim_space": Safe, "metric_name": Safe, "default_tags": Safe,
	},
}

// tlsClient is Telegraf's common TLS client config (plugins/common/tls.ClientConfig).
var tlsClient = map[string]Class{
	"tls_ca": Path, "tls_cert": Path, "tls_key": Path, "tls_key_pwd": Safe, "tls_enable": Safe,
	"tls_server_name": Safe, "tls_min_version": Safe, "tls_cipher_suites": Safe,
	"tls_renegotiation_method": Safe, "insecure_skip_verify": Safe,
}

// cookieAuth is Telegraf's common cookie authentication (plugins/common/cookie): it logs in at a URL.
var cookieAuth = map[string]Class{
	"cookie_auth_url": URL, "cookie_auth_method": Safe, "cookie_auth_username": Safe,
	"cookie_auth_password": Safe, "cookie_auth_body": Safe, "cookie_auth_headers": Safe,
	"cookie_auth_renewal": Safe,
}

func merge(ms ...map[string]Class) map[string]Class {
	out := map[string]Class{}
	for _, m := range ms {
		maps.Copy(out, m)
	}
	return out
}

var snmpField = Plugin{Options: map[string]Class{
	"name": Safe, "oid": Safe, "oid_index_suffix": Safe, "oid_index_length": Safe, "is_tag": Safe,
	"conversion": Safe, "translate": Safe, "secondary_index_table": Safe, "secondary_index_use": Safe,
	"secondary_outer_join": Safe,
}}

// Telegraf is the audit of the Telegraf input plugins gatherd links (telegrafx/plugins.go). A test compares it
// with the options the linked plugins really take, so an upgrade cannot add one unclassified.
var Telegraf = Table{
	"dns_query": {Options: map[string]Class{
		"servers": Target, "network": Network, "domains": Safe, "record_type": Safe, "port": Safe,
		"timeout": Safe, "include_fields": Safe,
	}},
	"http": {Parser: true, Options: merge(tlsClient, cookieAuth, map[string]Class{
		"urls": URL, "method": Safe, "body": Safe, "content_encoding": Safe, "headers": Safe,
		"username": Safe, "password": Safe, "token": Safe, "token_file": Path,
		"success_status_codes": Safe, "timeout": Safe, "response_timeout": Safe,
		"http_proxy_url": URL, "use_system_proxy": Safe,
		"idle_conn_timeout": Safe, "max_idle_conn": Safe, "max_idle_conn_per_host": Safe,
		"client_id": Safe, "client_secret": Safe, "token_url": URL, "scopes": Safe, "audience": Safe,
	})},
	"http_response": {Options: merge(tlsClient, cookieAuth, map[string]Class{
		"urls": URL, "http_proxy": URL, "method": Safe, "body": Safe, "body_form": Safe, "headers": Safe,
		"bearer_token": Path, "username": Safe, "password": Safe, "follow_redirects": Safe,
		"response_timeout": Safe, "response_body_field": Safe, "response_body_max_size": Safe,
		"response_string_match": Safe, "response_status_code": Safe, "http_header_tags": Safe,
		"interface": Interface,
	})},
	"net_response": {Options: map[string]Class{
		"address": Target, "protocol": Network, "send": Safe, "expect": Safe, "timeout": Safe, "read_timeout": Safe,
	}},
	"ping": {Options: map[string]Class{
		"urls": Target, "method": Program, "binary": Never, "arguments": Never, "interface": Interface,
		"count": Safe, "deadline": Safe, "ping_interval": Safe, "timeout": Safe, "size": Safe,
		"percentiles": Safe, "ipv4": Safe, "ipv6": Safe,
	}},
	"snmp": {
		Options: map[string]Class{
			"agents": Target, "agent_host_tag": Safe, "stop_on_error": Safe, "name": Safe, "path": Path,
			"timeout": Safe, "retries": Safe, "version": Safe, "unconnected_udp_socket": Safe, "community": Safe,
			"max_repetitions": Safe, "context_name": Safe, "sec_level": Safe, "sec_name": Safe,
			"auth_protocol": Safe, "auth_password": Safe, "priv_protocol": Safe, "priv_password": Safe,
		},
		Tables: map[string]Plugin{
			"field": snmpField,
			"table": {
				Options: map[string]Class{"name": Safe, "inherit_tags": Safe, "index_as_tag": Safe, "oid": Safe},
				Tables:  map[string]Plugin{"field": snmpField},
			},
		},
	},
	"x509_cert": {Options: merge(tlsClient, map[string]Class{
		"sources": CertSource, "server_name": Safe, "exclude_root_certs": Safe, "timeout": Safe,
		"use_proxy": Safe, "proxy_url": URL, "pad_serial_with_zeroes": Safe, "password": Safe,
	})},
}
