// Package diskqueue is a durable FIFO of byte records in a directory: an output's buffer that survives a
// crash of the process. Records are appended to segment files and read from the front; the reader acknowledges
// what it delivered, and only acknowledged records are forgotten, so delivery is at-least-once.
//
// Why not tidwall/wal (what Telegraf's buffer_strategy = "disk" uses): it fsyncs every record, has no size cap,
// drops the newest record rather than the oldest when a write fails, and a failed write marks the log corrupt,
// after which Telegraf's buffer panics. This queue caps its size by dropping whole old segments, leaves free
// space on the filesystem for the node's other files, and survives a torn tail after kill -9.
//
// Layout: NNNNNNNNNNNNNNNNNNNN.seg files, each a sequence of records [4-byte length][4-byte CRC-32C][payload],
// and a file "head" naming the segment and offset of the first unacknowledged record.
//
// Durability: Append writes each call's records with one write(2), so they survive the process being killed
// (the page cache holds them); Sync (called by the owner on a timer and on Close) fsyncs, which bounds what a
// power loss or kernel crash can take. The head file is replaced by rename and not fsynced: losing it only
// redelivers records.
package diskqueue

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

const (
	headerSize = 8
	headFile   = "head"
	segSuffix  = ".seg"
	// maxRecord bounds a record's length as read back, so a corrupt header cannot make the reader allocate GBs.
	maxRecord = 64 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Options size a queue. Zero values take the defaults.
type Options struct {
	// MaxBytes caps the bytes the queue keeps on disk; when an append would exceed it, the oldest segments are
	// dropped (their records counted as dropped). Default 64 MiB.
	MaxBytes int64
	// SegmentBytes is the size at which a new segment file starts: the unit in which old records are dropped.
	// Default the least of MaxBytes/8, 4 MiB and 1/64 of the filesystem, at least 64 KiB.
	SegmentBytes int64
	// Reserve is the free space the queue leaves on its filesystem (for the node's raft store, say): when an
	// append would leave less, it drops oldest segments as if the cap were reached, and drops the new records
	// when there is nothing old left to drop. Default min(64 MiB, a quarter of the filesystem); negative: none.
	Reserve int64
}

// Stats is a queue's state.
type Stats struct {
	Records int    // records not yet acknowledged
	Bytes   int64  // bytes of the segment files on disk
	Dropped uint64 // records dropped since Open: oldest ones over the cap or for free space, or new ones that could not be written
}

// Cursor marks a position in the queue: what Peek read up to, for Ack.
type Cursor struct {
	seq uint64 // records before this position, counted from Open
	seg uint64
	off int64
}

type segment struct {
	id       uint64
	size     int64
	records  int
	firstSeq uint64
}

// Queue is a durable FIFO of records. It is safe for concurrent use: appends from many goroutines, one reader.
type Queue struct {
	dir  string
	opts Options

	mu      sync.Mutex
	segs    []*segment // oldest first; the last one is written
	w       *os.File   // the last segment, open for appending
	head    Cursor
	records int
	bytes   int64
	dropped uint64
	dirty   bool // written since the last Sync
}

// Open opens the queue in dir, creating it if needed, and recovers what a previous process left: records up to
// a torn or corrupt tail are kept, the rest of that segment is cut off.
func Open(dir string, opts Options) (*Queue, error) {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 64 << 20
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	fsSize := int64(1) << 62
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err == nil {
		fsSize = int64(st.Blocks) * int64(st.Bsize)
	}
	if opts.SegmentBytes <= 0 {
		// Small enough that dropping the oldest one frees space in steps, on a small filesystem too.
		opts.SegmentBytes = max(min(opts.MaxBytes/8, fsSize/64, 4<<20), 64<<10)
	}
	if opts.Reserve == 0 {
		opts.Reserve = min(64<<20, fsSize/4)
	}
	q := &Queue{dir: dir, opts: opts}
	if err := q.recover(); err != nil {
		return nil, err
	}
	return q, nil
}

func (q *Queue) segPath(id uint64) string {
	return filepath.Join(q.dir, fmt.Sprintf("%020d%s", id, segSuffix))
}

func (q *Queue) recover() error {
	ents, err := os.ReadDir(q.dir)
	if err != nil {
		return err
	}
	var ids []uint64
	for _, e := range ents {
		name := e.Name()
		if !strings.HasSuffix(name, segSuffix) {
			continue
		}
		id, err := strconv.ParseUint(strings.TrimSuffix(name, segSuffix), 10, 64)
		if err != nil {
			continue
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	head := q.readHead()
	for _, id := range ids {
		if id < head.seg {
			_ = os.Remove(q.segPath(id)) // acknowledged; a crash came between the ack and the removal
			continue
		}
		from := int64(0)
		if id == head.seg {
			from = head.off
		}
		n, valid, size, err := scanSegment(q.segPath(id), from)
		if err != nil {
			return err
		}
		if valid < size {
			// A torn write (kill -9 in the middle of a write) or garbage: keep what is whole.
			if err := os.Truncate(q.segPath(id), valid); err != nil {
				return err
			}
		}
		q.segs = append(q.segs, &segment{id: id, size: valid, records: n, firstSeq: uint64(q.records)})
		q.records += n
		q.bytes += valid
	}
	if len(q.segs) == 0 {
		q.segs = []*segment{{id: max(head.seg, 1)}}
	}
	first := q.segs[0]
	q.head = Cursor{seg: first.id}
	if first.id == head.seg {
		q.head.off = min(head.off, first.size)
	}
	return q.openTail()
}

// readHead reads the head file; a missing or unreadable one means the front of the oldest segment.
func (q *Queue) readHead() Cursor {
	b, err := os.ReadFile(filepath.Join(q.dir, headFile))
	if err != nil {
		return Cursor{}
	}
	var c Cursor
	if _, err := fmt.Sscanf(string(b), "%d %d", &c.seg, &c.off); err != nil {
		return Cursor{}
	}
	return c
}

// scanSegment counts the whole records of a segment from offset from and returns where the last one ends.
func scanSegment(path string, from int64) (records int, valid, size int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, 0, 0, err
	}
	size = fi.Size()
	if from > size {
		from = size
	}
	if _, err := f.Seek(from, io.SeekStart); err != nil {
		return 0, 0, 0, err
	}
	r := bufio.NewReaderSize(f, 256<<10)
	valid = from
	for {
		rec, err := readRecord(r)
		if err != nil {
			return records, valid, size, nil
		}
		records++
		valid += int64(headerSize + len(rec))
	}
}

func readRecord(r io.Reader) ([]byte, error) {
	var h [headerSize]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(h[:4])
	if n > maxRecord {
		return nil, errors.New("diskqueue: record too long")
	}
	rec := make([]byte, n)
	if _, err := io.ReadFull(r, rec); err != nil {
		return nil, err
	}
	if crc32.Checksum(rec, castagnoli) != binary.BigEndian.Uint32(h[4:]) {
		return nil, errors.New("diskqueue: checksum mismatch")
	}
	return rec, nil
}

func (q *Queue) openTail() error {
	t := q.segs[len(q.segs)-1]
	f, err := os.OpenFile(q.segPath(t.id), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return err
	}
	q.w = f
	return nil
}

// Append adds records at the end of the queue. It returns how many records were dropped to take them (old
// ones over the cap or for free space) or could not be taken (new ones: no space even after dropping the old).
func (q *Queue) Append(recs ...[]byte) (dropped int, err error) {
	if len(recs) == 0 {
		return 0, nil
	}
	var buf []byte
	for _, r := range recs {
		buf = binary.BigEndian.AppendUint32(buf, uint32(len(r)))
		buf = binary.BigEndian.AppendUint32(buf, crc32.Checksum(r, castagnoli))
		buf = append(buf, r...)
	}
	need := int64(len(buf))
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.w == nil {
		return 0, errors.New("diskqueue: closed")
	}
	tail := q.segs[len(q.segs)-1]
	if tail.size > 0 && tail.size+need > q.opts.SegmentBytes {
		if err := q.rotate(); err != nil {
			return q.dropNew(len(recs)), err
		}
	}
	for q.bytes+need > q.opts.MaxBytes || !q.roomFor(need) {
		if !q.dropOldest(&dropped) {
			if q.bytes+need > q.opts.MaxBytes {
				break // one append larger than the cap: take it rather than lose it
			}
			return dropped + q.dropNew(len(recs)), errors.New("diskqueue: no free space left above the reserve")
		}
	}
	tail = q.segs[len(q.segs)-1]
	if _, err := q.w.Write(buf); err != nil {
		// ENOSPC or EIO: cut off what part got written, so the segment stays readable.
		_ = q.w.Truncate(tail.size)
		return dropped + q.dropNew(len(recs)), fmt.Errorf("diskqueue: %w", err)
	}
	tail.size += need
	tail.records += len(recs)
	q.records += len(recs)
	q.bytes += need
	q.dirty = true
	return dropped, nil
}

func (q *Queue) dropNew(n int) int {
	q.dropped += uint64(n)
	return n
}

// roomFor reports whether writing need bytes leaves the reserve free on the filesystem.
func (q *Queue) roomFor(need int64) bool {
	if q.opts.Reserve < 0 {
		return true
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(q.dir, &st); err != nil {
		return true // the write will tell
	}
	return int64(st.Bavail)*int64(st.Bsize)-need >= q.opts.Reserve
}

// rotate starts a new segment after the current tail.
func (q *Queue) rotate() error {
	tail := q.segs[len(q.segs)-1]
	if q.dirty {
		// Sync only ever reaches the tail: a segment left behind is fsynced now, to keep the one-second bound.
		if err := q.w.Sync(); err != nil {
			return err
		}
		q.dirty = false
	}
	if err := q.w.Close(); err != nil {
		return err
	}
	q.segs = append(q.segs, &segment{id: tail.id + 1, firstSeq: tail.firstSeq + uint64(tail.records)})
	if err := q.openTail(); err != nil {
		// Keep a writable tail: fall back to the old one.
		q.segs = q.segs[:len(q.segs)-1]
		f, ferr := os.OpenFile(q.segPath(tail.id), os.O_WRONLY|os.O_APPEND, 0o640)
		if ferr == nil {
			q.w = f
		}
		return err
	}
	return nil
}

// dropOldest removes the oldest segment and counts its unacknowledged records as dropped. The segment being
// written is only dropped once it is not the only one: a new one is started first.
func (q *Queue) dropOldest(dropped *int) bool {
	if len(q.segs) == 1 {
		if q.segs[0].size == 0 || q.rotate() != nil {
			return false
		}
	}
	old := q.segs[0]
	lost := old.records
	if q.head.seg == old.id {
		lost = int(old.firstSeq + uint64(old.records) - q.head.seq)
	}
	if err := os.Remove(q.segPath(old.id)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return false
	}
	q.segs = q.segs[1:]
	q.bytes -= old.size
	q.records -= lost
	q.dropped += uint64(lost)
	*dropped += lost
	next := q.segs[0]
	q.head = Cursor{seq: next.firstSeq, seg: next.id}
	q.writeHead()
	return true
}

// skipRest drops the records of s from the head on (s is the head segment).
func (q *Queue) skipRest(s *segment) {
	if s != q.segs[len(q.segs)-1] || q.rotate() == nil {
		var lost int
		q.dropOldest(&lost)
	}
}

// Peek reads up to n records from the front without removing them, and the cursor to Ack once they are
// delivered.
func (q *Queue) Peek(n int) ([][]byte, Cursor, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	at := q.head
	var out [][]byte
	for i := 0; i < len(q.segs) && len(out) < n; i++ {
		s := q.segs[i]
		if s.id < at.seg {
			continue
		}
		if s.id > at.seg {
			at = Cursor{seq: s.firstSeq, seg: s.id}
		}
		if at.off >= s.size {
			continue
		}
		recs, end, err := q.readFrom(s, at.off, n-len(out))
		if err != nil && len(out)+len(recs) == 0 {
			// The front record is unreadable (the disk corrupted it): drop the rest of its segment, so the
			// reader is not stuck on it.
			q.skipRest(s)
			return nil, q.head, err
		}
		if err != nil {
			out = append(out, recs...)
			at.seq += uint64(len(recs))
			at.off = end
			return out, at, nil // the bad record comes first in the next Peek
		}
		out = append(out, recs...)
		at.seq += uint64(len(recs))
		at.off = end
	}
	return out, at, nil
}

func (q *Queue) readFrom(s *segment, off int64, n int) ([][]byte, int64, error) {
	f, err := os.Open(q.segPath(s.id))
	if err != nil {
		return nil, off, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(io.NewSectionReader(f, off, s.size-off), int(min(64<<10, s.size-off)))
	var out [][]byte
	for len(out) < n && off < s.size {
		rec, err := readRecord(r)
		if err != nil {
			return out, off, fmt.Errorf("diskqueue: segment %d at %d: %w", s.id, off, err)
		}
		out = append(out, rec)
		off += int64(headerSize + len(rec))
	}
	return out, off, nil
}

// Ack forgets every record before c (a cursor Peek returned). Records dropped meanwhile are not counted twice.
func (q *Queue) Ack(c Cursor) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if c.seq <= q.head.seq {
		return
	}
	q.records -= int(c.seq - q.head.seq)
	q.head = c
	// Remove the segments before the head; the tail stays (it is being written).
	for len(q.segs) > 1 && q.segs[0].id < c.seg {
		old := q.segs[0]
		_ = os.Remove(q.segPath(old.id))
		q.segs = q.segs[1:]
		q.bytes -= old.size
	}
	// A fully read segment that is not the tail goes too.
	if len(q.segs) > 1 && q.segs[0].id == c.seg && c.off >= q.segs[0].size {
		old := q.segs[0]
		_ = os.Remove(q.segPath(old.id))
		q.segs = q.segs[1:]
		q.bytes -= old.size
		next := q.segs[0]
		q.head = Cursor{seq: next.firstSeq, seg: next.id}
	}
	q.writeHead()
}

// writeHead records the head for the next Open. Not fsynced: a stale head redelivers, never loses.
func (q *Queue) writeHead() {
	p := filepath.Join(q.dir, headFile)
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, []byte(fmt.Sprintf("%d %d\n", q.head.seg, q.head.off)), 0o640); err != nil {
		return // disk full: the old head stays, which redelivers
	}
	_ = os.Rename(tmp, p)
}

// Sync fsyncs what was appended since the last Sync.
func (q *Queue) Sync() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.dirty || q.w == nil {
		return nil
	}
	q.dirty = false
	return q.w.Sync()
}

// Stats returns the queue's counts.
func (q *Queue) Stats() Stats {
	q.mu.Lock()
	defer q.mu.Unlock()
	return Stats{Records: q.records, Bytes: q.bytes, Dropped: q.dropped}
}

// Close syncs and closes the queue; what it holds stays for the next Open.
func (q *Queue) Close() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.w == nil {
		return nil
	}
	err := q.w.Sync()
	if cerr := q.w.Close(); err == nil {
		err = cerr
	}
	q.w = nil
	return err
}
