package cluster

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// checkBoltFile checks the page structure of a bbolt file (raft-boltdb's raft.db) by reading it, not mapping
// it: both meta pages, the file length against the pages the meta counts, the freelist page, and every page of
// every bucket's tree, each in range, of the right type, its elements inside it, referenced once. bbolt itself
// trusts the file: on a corrupt one it panics, faults past the end of a truncated file (fatal, not a panic), or
// loops forever in a tree whose page points back up (seen with zeroed pages). After this check passes its
// cursors terminate. The layout is bbolt's on-disk format (little endian, as bbolt writes on every platform
// gatherd builds for).
func checkBoltFile(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil // a new node: bbolt creates it
	}
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.Size() == 0 {
		return nil // bbolt initialises an empty file
	}
	b := &boltFile{r: f, size: st.Size(), seen: map[uint64]bool{}}
	return b.check()
}

const (
	boltMagic        = 0xED0CDAED
	boltVersion      = 2
	boltPageHeader   = 16 // id uint64, flags uint16, count uint16, overflow uint32
	boltElement      = 16 // branch: pos, ksize uint32, pgid uint64; leaf: flags, pos, ksize, vsize uint32
	boltBranchPage   = 0x01
	boltLeafPage     = 0x02
	boltFreelistPage = 0x10
	boltBucketLeaf   = 0x01
	boltNoFreelist   = ^uint64(0)
	boltMaxDepth     = 64
)

type boltMeta struct {
	pageSize, root, freelist, highWater, txid uint64
}

type boltFile struct {
	r        io.ReaderAt
	size     int64
	pageSize uint64
	meta     boltMeta
	seen     map[uint64]bool
}

func (b *boltFile) check() error {
	first := make([]byte, 4096)
	if _, err := b.r.ReadAt(first, 0); err != nil {
		return fmt.Errorf("read the first meta page: %w", err)
	}
	m0, err0 := parseBoltMeta(first[boltPageHeader:])
	ps := uint64(4096)
	if err0 == nil {
		ps = m0.pageSize
	}
	second := make([]byte, 4096)
	_, err := b.r.ReadAt(second, int64(ps))
	if err != nil && err != io.EOF {
		return fmt.Errorf("read the second meta page: %w", err)
	}
	m1, err1 := parseBoltMeta(second[boltPageHeader:])
	switch {
	case err0 != nil && err1 != nil:
		return fmt.Errorf("no valid meta page: %v; %v", err0, err1)
	case err0 != nil, err1 == nil && m1.txid > m0.txid:
		b.meta = m1
	default:
		b.meta = m0
	}
	b.pageSize = b.meta.pageSize
	if need := b.meta.highWater * b.pageSize; uint64(b.size) < need {
		return fmt.Errorf("file is %d bytes, its %d pages need %d: truncated", b.size, b.meta.highWater, need)
	}
	if b.meta.freelist != boltNoFreelist {
		p, err := b.page(b.meta.freelist)
		if err != nil {
			return fmt.Errorf("freelist: %w", err)
		}
		if flags(p) != boltFreelistPage {
			return fmt.Errorf("freelist page %d has type %#x", b.meta.freelist, flags(p))
		}
	}
	return b.walk(b.meta.root, 0)
}

func parseBoltMeta(m []byte) (boltMeta, error) {
	le := binary.LittleEndian
	if le.Uint32(m[0:]) != boltMagic {
		return boltMeta{}, errors.New("meta page: bad magic")
	}
	if v := le.Uint32(m[4:]); v != boltVersion {
		return boltMeta{}, fmt.Errorf("meta page: version %d", v)
	}
	h := fnv.New64a()
	h.Write(m[:56])
	if h.Sum64() != le.Uint64(m[56:]) {
		return boltMeta{}, errors.New("meta page: bad checksum")
	}
	meta := boltMeta{pageSize: uint64(le.Uint32(m[8:])), root: le.Uint64(m[16:]), freelist: le.Uint64(m[32:]),
		highWater: le.Uint64(m[40:]), txid: le.Uint64(m[48:])}
	if meta.pageSize < 1024 || meta.pageSize > 1<<20 || meta.pageSize&(meta.pageSize-1) != 0 {
		return boltMeta{}, fmt.Errorf("meta page: page size %d", meta.pageSize)
	}
	return meta, nil
}

func flags(p []byte) uint16 { return binary.LittleEndian.Uint16(p[8:]) }

// page reads page id with its overflow pages, once: a page referenced twice means a cycle or a shared page.
func (b *boltFile) page(id uint64) ([]byte, error) {
	if id < 2 || id >= b.meta.highWater {
		return nil, fmt.Errorf("page %d outside 2-%d", id, b.meta.highWater-1)
	}
	if b.seen[id] {
		return nil, fmt.Errorf("page %d referenced twice", id)
	}
	hdr := make([]byte, boltPageHeader)
	if _, err := b.r.ReadAt(hdr, int64(id*b.pageSize)); err != nil {
		return nil, fmt.Errorf("page %d: %w", id, err)
	}
	le := binary.LittleEndian
	if got := le.Uint64(hdr); got != id {
		return nil, fmt.Errorf("page %d says it is page %d", id, got)
	}
	overflow := uint64(le.Uint32(hdr[12:]))
	if id+overflow >= b.meta.highWater {
		return nil, fmt.Errorf("page %d overflows past page %d", id, b.meta.highWater-1)
	}
	for i := id; i <= id+overflow; i++ {
		b.seen[i] = true
	}
	p := make([]byte, (1+overflow)*b.pageSize)
	if _, err := b.r.ReadAt(p, int64(id*b.pageSize)); err != nil {
		return nil, fmt.Errorf("page %d: %w", id, err)
	}
	return p, nil
}

// walk checks the tree rooted at page id.
func (b *boltFile) walk(id uint64, depth int) error {
	if depth > boltMaxDepth {
		return fmt.Errorf("page %d: tree deeper than %d", id, boltMaxDepth)
	}
	p, err := b.page(id)
	if err != nil {
		return err
	}
	switch flags(p) {
	case boltBranchPage:
		count := int(binary.LittleEndian.Uint16(p[10:]))
		if boltPageHeader+count*boltElement > len(p) || count == 0 {
			return fmt.Errorf("branch page %d: %d elements do not fit", id, count)
		}
		for i := range count {
			e := boltPageHeader + i*boltElement
			if err := b.walk(binary.LittleEndian.Uint64(p[e+8:]), depth+1); err != nil {
				return err
			}
		}
		return nil
	case boltLeafPage:
		return b.leaf(id, p, depth)
	}
	return fmt.Errorf("page %d has type %#x, not a branch or a leaf", id, flags(p))
}

// leaf checks a leaf page (or an inline bucket's page inside a value) and the buckets it holds.
func (b *boltFile) leaf(id uint64, p []byte, depth int) error {
	le := binary.LittleEndian
	if len(p) < boltPageHeader || flags(p) != boltLeafPage {
		return fmt.Errorf("page %d: not a leaf", id)
	}
	count := int(le.Uint16(p[10:]))
	if boltPageHeader+count*boltElement > len(p) {
		return fmt.Errorf("leaf page %d: %d elements do not fit", id, count)
	}
	for i := range count {
		e := boltPageHeader + i*boltElement
		fl, pos, ksize, vsize := le.Uint32(p[e:]), uint64(le.Uint32(p[e+4:])), uint64(le.Uint32(p[e+8:])), uint64(le.Uint32(p[e+12:]))
		end := uint64(e) + pos + ksize + vsize
		if end > uint64(len(p)) {
			return fmt.Errorf("leaf page %d: element %d ends at %d, past the page's %d bytes", id, i, end, len(p))
		}
		if fl&boltBucketLeaf == 0 {
			continue
		}
		v := p[end-vsize : end]
		if len(v) < 16 {
			return fmt.Errorf("leaf page %d: bucket %d has a %d-byte header", id, i, len(v))
		}
		if root := le.Uint64(v); root != 0 {
			if err := b.walk(root, depth+1); err != nil {
				return err
			}
		} else if err := b.leaf(id, v[16:], depth+1); err != nil { // an inline bucket: its page is in the value
			return err
		}
	}
	return nil
}
