package cluster

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/memberlist"
)

// Gossip status of a member as this node last heard it.
const (
	StatusAlive = "alive"
	StatusDead  = "dead"
	StatusLeft  = "left"
)

// Member is one node as seen through gossip.
type Member struct {
	ID     string
	Addr   string // gossip host:port
	Meta   Meta
	Status string
	Since  time.Time // when Status last changed
}

// members is the node's own table of gossip members, fed by memberlist's event callbacks. It exists because
// memberlist forgets dead nodes and must not be queried from inside its callbacks.
type members struct {
	mu      sync.Mutex
	m       map[string]*Member
	changed chan struct{} // capacity 1: a pending signal coalesces any number of events
	now     func() time.Time
}

func newMembers() *members {
	return &members{m: map[string]*Member{}, changed: make(chan struct{}, 1), now: time.Now}
}

func (t *members) signal() {
	select {
	case t.changed <- struct{}{}:
	default:
	}
}

func (t *members) update(n *memberlist.Node, status string) {
	meta, _ := decodeMeta(n.Meta) // a node with broken metadata stays visible, with empty addresses
	t.mu.Lock()
	m, ok := t.m[n.Name]
	if !ok {
		m = &Member{ID: n.Name}
		t.m[n.Name] = m
	}
	if m.Status != status {
		m.Status, m.Since = status, t.now()
	}
	m.Addr, m.Meta = n.Address(), meta
	t.mu.Unlock()
	t.signal()
}

// NotifyJoin, NotifyLeave and NotifyUpdate implement memberlist.EventDelegate. They only record and signal:
// calling back into memberlist from here would deadlock.
func (t *members) NotifyJoin(n *memberlist.Node)   { t.update(n, StatusAlive) }
func (t *members) NotifyUpdate(n *memberlist.Node) { t.update(n, StatusAlive) }
func (t *members) NotifyLeave(n *memberlist.Node) {
	status := StatusDead
	if n.State == memberlist.StateLeft {
		status = StatusLeft
	}
	t.update(n, status)
}

// get returns a copy of one member.
func (t *members) get(id string) (Member, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	m, ok := t.m[id]
	if !ok {
		return Member{}, false
	}
	return *m, true
}

// list returns copies of every member, sorted by ID.
func (t *members) list() []Member {
	t.mu.Lock()
	out := make([]Member, 0, len(t.m))
	for _, m := range t.m {
		out = append(out, *m)
	}
	t.mu.Unlock()
	slices.SortFunc(out, func(a, b Member) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// delegate implements memberlist.Delegate to publish this node's metadata and receive messages sent to it.
type delegate struct {
	mu    sync.Mutex
	meta  []byte
	onMsg func([]byte) // set before memberlist starts
}

func (d *delegate) set(b []byte) {
	d.mu.Lock()
	d.meta = b
	d.mu.Unlock()
}

func (d *delegate) NodeMeta(limit int) []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.meta) > limit {
		return nil
	}
	return d.meta
}

// NotifyMsg passes a message to onMsg; memberlist may reuse b after it returns.
func (d *delegate) NotifyMsg(b []byte) {
	if d.onMsg != nil {
		d.onMsg(b)
	}
}

func (d *delegate) GetBroadcasts(overhead, limit int) [][]byte { return nil }
func (d *delegate) LocalState(join bool) []byte                { return nil }
func (d *delegate) MergeRemoteState(buf []byte, join bool)     {}
