package diskqueue

import (
	"bytes"
	"testing"
)

// BenchmarkAppend appends 10 records of 600 bytes (one gather of http_response metrics, as the output buffer
// stores them) per operation: as the buffer does (write(2) per append, fsync once a second by its owner), and
// with an fsync after every append, the policy this package does not take.
func BenchmarkAppend(b *testing.B) {
	rec := bytes.Repeat([]byte("x"), 600)
	gather := make([][]byte, 10)
	for i := range gather {
		gather[i] = rec
	}
	for _, fsync := range []bool{false, true} {
		name := "write"
		if fsync {
			name = "fsync-each"
		}
		b.Run(name, func(b *testing.B) {
			q, err := Open(b.TempDir(), Options{MaxBytes: 1 << 30, Reserve: -1})
			if err != nil {
				b.Fatal(err)
			}
			defer q.Close()
			b.SetBytes(int64(len(gather) * len(rec)))
			for b.Loop() {
				if _, err := q.Append(gather...); err != nil {
					b.Fatal(err)
				}
				if fsync {
					if err := q.Sync(); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.N*len(gather))/b.Elapsed().Seconds(), "records/s")
		})
	}
}
