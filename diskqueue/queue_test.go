package diskqueue

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func rec(i int) []byte { return []byte(fmt.Sprintf("record-%06d", i)) }

func appendN(t *testing.T, q *Queue, from, n int) {
	t.Helper()
	for i := from; i < from+n; i++ {
		if d, err := q.Append(rec(i)); err != nil || d != 0 {
			t.Fatalf("append %d: dropped %d, %v", i, d, err)
		}
	}
}

// drain reads everything in batches of 7 and acks it; it returns the records in order.
func drain(t *testing.T, q *Queue) []string {
	t.Helper()
	var got []string
	for {
		recs, c, err := q.Peek(7)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) == 0 {
			return got
		}
		for _, r := range recs {
			got = append(got, string(r))
		}
		q.Ack(c)
	}
}

func wantRange(t *testing.T, got []string, from, to int) {
	t.Helper()
	if len(got) != to-from {
		t.Fatalf("got %d records, want %d (%d..%d): %v", len(got), to-from, from, to-1, got)
	}
	for i, g := range got {
		if g != string(rec(from+i)) {
			t.Fatalf("record %d is %q, want %q", i, g, rec(from+i))
		}
	}
}

func TestAckedRecordsAreGoneAfterReopenAndTheRestStays(t *testing.T) {
	dir := t.TempDir()
	q, err := Open(dir, Options{SegmentBytes: 200, Reserve: -1})
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, q, 0, 50)
	recs, c, err := q.Peek(20)
	if err != nil || len(recs) != 20 {
		t.Fatalf("peek: %d, %v", len(recs), err)
	}
	q.Ack(c)
	if s := q.Stats(); s.Records != 30 {
		t.Fatalf("%d records after acking 20 of 50", s.Records)
	}
	// Peeked but not acked: redelivered after a restart.
	if recs, _, _ := q.Peek(5); len(recs) != 5 {
		t.Fatal("peek")
	}
	// No Close: the process dies.
	q2, err := Open(dir, Options{SegmentBytes: 200, Reserve: -1})
	if err != nil {
		t.Fatal(err)
	}
	if s := q2.Stats(); s.Records != 30 {
		t.Fatalf("%d records after reopening, want 30", s.Records)
	}
	appendN(t, q2, 50, 10)
	wantRange(t, drain(t, q2), 20, 60)
	if s := q2.Stats(); s.Records != 0 || s.Bytes > 200 {
		t.Fatalf("drained queue: %+v", s)
	}
}

func TestATornTailIsCutOffAndTheWholeRecordsKept(t *testing.T) {
	dir := t.TempDir()
	q, err := Open(dir, Options{Reserve: -1})
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, q, 0, 10)
	_ = q.Close()
	seg := q.segPath(q.segs[len(q.segs)-1].id)
	f, err := os.OpenFile(seg, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Half a record, as a kill -9 in the middle of a write leaves it.
	_, _ = f.Write([]byte{0, 0, 0, 50, 1, 2, 3, 4, 'x', 'y'})
	f.Close()
	q2, err := Open(dir, Options{Reserve: -1})
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, q2, 10, 5)
	wantRange(t, drain(t, q2), 0, 15)
}

func TestOverTheCapTheOldestAreDroppedAndCounted(t *testing.T) {
	dir := t.TempDir()
	// 21-byte records (8 header + 13 payload), 9 to a segment, at most 3 segments.
	q, err := Open(dir, Options{MaxBytes: 570, SegmentBytes: 190, Reserve: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, c, _ := q.Peek(3) // a reader holding a batch while the old segment goes
	dropped := 0
	for i := range 100 {
		d, err := q.Append(rec(i))
		if err != nil {
			t.Fatal(err)
		}
		dropped += d
	}
	s := q.Stats()
	if s.Bytes > 570 {
		t.Fatalf("%d bytes on disk, cap 570", s.Bytes)
	}
	if uint64(dropped) != s.Dropped || s.Records+dropped != 100 {
		t.Fatalf("stats %+v, dropped %d: every record is either kept or counted", s, dropped)
	}
	q.Ack(c) // stale: must not remove anything
	got := drain(t, q)
	wantRange(t, got, 100-len(got), 100)
	matches, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	if len(matches) != 1 {
		t.Fatalf("segments left after draining: %v", matches)
	}
}

func TestNoRoomAboveTheReserveDropsTheNewRecords(t *testing.T) {
	q, err := Open(t.TempDir(), Options{Reserve: 1 << 62})
	if err != nil {
		t.Fatal(err)
	}
	d, err := q.Append(rec(0), rec(1))
	if err == nil || d != 2 || q.Stats().Dropped != 2 || q.Stats().Records != 0 {
		t.Fatalf("append with no room: dropped %d, %v, %+v", d, err, q.Stats())
	}
}

func TestAnUnreadableFrontRecordSkipsTheRestOfItsSegment(t *testing.T) {
	dir := t.TempDir()
	q, err := Open(dir, Options{SegmentBytes: 190, Reserve: -1}) // 9 records of 21 bytes to a segment
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, q, 0, 25)
	// The disk corrupts the first segment's third record after it was written.
	f, err := os.OpenFile(q.segPath(q.segs[0].id), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteAt([]byte("X"), 2*21+headerSize+1)
	f.Close()
	recs, c, err := q.Peek(5)
	if err != nil || len(recs) != 2 {
		t.Fatalf("peek before the bad record: %d records, %v", len(recs), err)
	}
	q.Ack(c)
	if recs, _, err := q.Peek(5); err == nil || len(recs) != 0 {
		t.Fatalf("peek at the bad record: %d records, %v; want an error", len(recs), err)
	}
	wantRange(t, drain(t, q), 9, 25)
	if s := q.Stats(); s.Dropped != 7 || s.Records != 0 {
		t.Fatalf("stats %+v: want the bad record and the 6 after it in its segment dropped", s)
	}
}
