package toml

// initialTokens is the PEG parser's initial token buffer; it grows by doubling when a document needs more.
//
// gatherd's change to github.com/influxdata/toml (v0.0.0-20251106153700-c381e153d076): upstream starts every
// parse with math.MaxInt16 tokens (about 390 KB, zeroed), whatever the document's size. Telegraf's config
// loader parses once per input, so a node building 10,000 inputs made 4 GB of garbage for that buffer alone:
// 92% of a build's allocations, and with the GC work it caused, 3/4 of its CPU (telegrafx BenchmarkBuild:
// http_response 0.37 ms and 430 KB per build before, 0.10 ms and 47 KB after). A gatherd input's TOML is a
// single table of a few keys; 1024 tokens covers it without growing. (The copy is otherwise upstream's, run
// through gofmt.)
const initialTokens = 1024
