package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/memberlist"
	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	"github.com/rs/zerolog"

	"github.com/gatherd/gatherd/logging"
	"github.com/gatherd/gatherd/store"
	"github.com/gatherd/gatherd/worker"
)

// Node is one running gatherd node: gossip, a raft replica of the store, and a worker running its share.
type Node struct {
	cfg Config
	log zerolog.Logger

	store  *store.Store
	raft   *raft.Raft
	trans  *raft.NetworkTransport
	stream *streamLayer
	bolt   *raftboltdb.BoltStore
	disk   *diskHealth // the log and stable store, as raft uses them

	ml       *memberlist.Memberlist
	members  *members
	delegate *delegate
	costs    costBook // the last cost report of every node, as the leader heard them
	// placeMu serialises placements (the leader loop's and an operator's rebalance); lastRebalance, under it, is
	// when a generation last moved inputs to even out load.
	placeMu       sync.Mutex
	lastRebalance time.Time
	lastEligible  map[string]bool // the nodes the last placement placed on; nil until this leader placed
	gossipAddr    string
	metaMu        sync.Mutex
	meta          Meta
	metaChanged   chan struct{} // capacity 1: metaLoop pushes the latest metadata

	worker   *worker.Worker
	needs    needsCache // what stored inputs need of a node's policy (leader placement)
	metrics  *metrics
	leaderCh chan bool
	// leaderSince is when this node last became leader; only the leader loop reads or writes it.
	leaderSince time.Time
	// readTerm is the raft term in which this node, as leader, passed its leader barrier: from then on its
	// store holds every entry committed before its term, also the ones the previous leader acknowledged that
	// this node did not yet know were committed. Consistent reads wait for it (VerifyLeader).
	readTerm atomic.Uint64

	fenced       atomic.Bool
	fenceChanged chan struct{}
	// lastTick is when the fence loop last ran (Unix ns). A gap longer than the fence timeout means the
	// process was frozen or starved: it may have lost its inputs meanwhile (gatherLease).
	lastTick atomic.Int64
	// stalled: the fence loop saw such a gap; the node stays fenced until replication is proven again.
	stalled    atomic.Bool
	lastLeader atomic.Int64 // Unix ns when this node last saw itself leader

	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	stopOnce sync.Once
	leaving  atomic.Bool
	done     chan struct{}
}

// New starts a node: it opens the raft data in cfg.DataDir, listens for raft and gossip, joins the seeds in
// the background and bootstraps when cfg.BootstrapExpect fresh nodes have met. It returns once the node is
// listening; the cluster forms asynchronously.
func New(cfg Config) (*Node, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := &Node{
		cfg:          cfg,
		log:          cfg.Logger.With().Str("node", cfg.NodeID).Logger(),
		store:        store.New(),
		members:      newMembers(),
		delegate:     &delegate{},
		leaderCh:     make(chan bool, 1),
		fenceChanged: make(chan struct{}, 1),
		metaChanged:  make(chan struct{}, 1),
		ctx:          ctx,
		cancel:       cancel,
		done:         make(chan struct{}),
	}
	n.delegate.onMsg = n.receiveMsg
	n.fenced.Store(true) // nothing runs until the leader has been heard and the store has caught up
	n.lastTick.Store(time.Now().UnixNano())
	n.meta = Meta{Boot: time.Now().UnixNano(), NotReady: true, Bootstrap: cfg.BootstrapExpect > 0}
	if !cfg.Policy.IsZero() {
		n.meta.Allow = &cfg.Policy
	}
	n.meta.Capacity = cfg.Capacity
	if _, err := n.meta.encode(); err != nil {
		cancel()
		return nil, fmt.Errorf("the node's --allow-* settings do not fit in gossip metadata: %w", err)
	}
	if cfg.APIAddr != "" {
		n.meta.API = cfg.APIScheme + "://" + cfg.APIAddr
	}
	n.worker = worker.New(worker.Options{
		Build: n.guardBuild(cfg.Build), Sink: cfg.Sink, Registerer: cfg.Registerer, Lease: n.gatherLease,
		Logger: n.log.With().Str("module", "worker").Logger(),
	})
	n.exportLibraryMetrics()
	if err := n.startRaft(); err != nil {
		cancel()
		n.worker.Stop()
		return nil, err
	}
	if err := n.startGossip(); err != nil {
		cancel()
		n.shutdownRaft()
		n.worker.Stop()
		return nil, err
	}
	n.metrics = newMetrics(n, cfg.Registerer)
	n.goLoop(n.metaLoop)
	n.goLoop(n.monitorLeadership)
	n.goLoop(n.joinLoop)
	n.goLoop(n.bootstrapLoop)
	n.goLoop(n.fenceLoop)
	n.goLoop(n.runLocal)
	n.goLoop(n.watchHalt)
	n.goLoop(n.reportCosts)
	n.log.Info().Str("gossip", n.gossipAddr).Str("raft", n.meta.Raft).Str("api", n.meta.API).Msg("node started")
	return n, nil
}

func (n *Node) goLoop(f func(context.Context)) {
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		f(n.ctx)
	}()
}

func (n *Node) startRaft() error {
	dir := filepath.Join(n.cfg.DataDir, "raft")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create raft dir: %w", err)
	}
	hl := logging.NewHCLog(n.log, "raft")
	bolt, err := openRaftLog(filepath.Join(dir, "raft.db"))
	if err != nil {
		return fmt.Errorf("open raft log %s: %w", dir, err)
	}
	snaps, err := raft.NewFileSnapshotStoreWithLogger(dir, 2, hl.Named("snapshot"))
	if err != nil {
		bolt.Close()
		return fmt.Errorf("open snapshots in %s: %w", dir, err)
	}
	stream, err := newStreamLayer(n.cfg.BindAddr, n.cfg.AdvertiseAddr, n.cfg.RaftPort, n.cfg.TLS, n.cfg.Faults)
	if err != nil {
		bolt.Close()
		return err
	}
	n.meta.Raft = stream.Addr().String()
	n.stream = stream
	n.trans = raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{
		Stream:                stream,
		MaxPool:               3,
		Timeout:               10 * time.Second,
		Logger:                hl.Named("transport"),
		ServerAddressProvider: addressProvider{n.members},
	})
	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(n.cfg.NodeID)
	rc.HeartbeatTimeout = n.cfg.Timing.RaftHeartbeat
	rc.ElectionTimeout = n.cfg.Timing.RaftElection
	rc.LeaderLeaseTimeout = n.cfg.Timing.RaftLeaderLease
	rc.CommitTimeout = n.cfg.Timing.RaftCommit
	rc.ShutdownOnRemove = false
	rc.NotifyCh = n.leaderCh
	rc.Logger = hl
	n.disk = &diskHealth{LogStore: bolt, StableStore: bolt}
	logs, err := raft.NewLogCache(512, n.disk)
	if err != nil {
		bolt.Close()
		n.trans.Close()
		return err
	}
	hasState, err := raft.HasExistingState(logs, n.disk, snaps)
	if err != nil {
		bolt.Close()
		n.trans.Close()
		return fmt.Errorf("inspect raft state: %w", err)
	}
	n.meta.HasState = hasState
	r, err := raft.NewRaft(rc, n.store, logs, n.disk, snaps, n.trans)
	if err != nil {
		bolt.Close()
		n.trans.Close()
		return fmt.Errorf("start raft: %w", err)
	}
	n.raft, n.bolt = r, bolt
	return nil
}

func (n *Node) shutdownRaft() {
	n.stream.abort()
	if err := n.raft.Shutdown().Error(); err != nil {
		n.log.Warn().Err(err).Msg("raft shutdown")
	}
	_ = n.trans.Close()
	n.drainRaftHandlers()
	_ = n.bolt.Close()
}

// drainRaftHandlers waits until no raft transport handler can touch the store any more; see drainInbound.
func (n *Node) drainRaftHandlers() {
	if !n.stream.drainInbound(5 * time.Second) {
		n.log.Warn().Msg("raft: inbound handlers still running 5 s after shutdown; closing the store anyway")
	}
}

// Shutdown stops the node at once, as a crash would look to its peers but with every goroutine joined: no
// handoff, no gossip leave. It is safe to call more than once.
func (n *Node) Shutdown() error {
	n.stopOnce.Do(func() {
		n.cancel()
		// raft first: it releases loops blocked in Barrier or Apply, so the WaitGroup can drain; the worker
		// last, so no loop can hand it work after it stopped. Aborting raft's outbound connections first keeps
		// its shutdown from waiting on peers that are gone.
		n.stream.abort()
		if err := n.raft.Shutdown().Error(); err != nil {
			n.log.Warn().Err(err).Msg("raft shutdown")
		}
		n.wg.Wait()
		n.worker.Stop()
		_ = n.trans.Close()
		n.drainRaftHandlers()
		_ = n.ml.Shutdown()
		_ = n.bolt.Close()
		n.metrics.unregister()
		n.log.Info().Msg("node stopped")
		close(n.done)
	})
	return nil
}

// Stop shuts the node down gracefully, as SIGTERM does: it asks the leader to move its inputs away with a
// handoff, waits (up to timeout) until the new owners have taken over, hands leadership on, leaves gossip and
// shuts down. The node stays a raft member, so a restart from the same data dir brings it back.
func (n *Node) Stop(timeout time.Duration) error {
	n.log.Info().Msg("stopping: handing inputs over")
	n.updateMeta(func(m *Meta) { m.Stopping = true })
	err := n.awaitHandoff(timeout)
	if err != nil {
		n.log.Warn().Err(err).Msg("stopping without a complete handoff")
	}
	n.leaveGossip()
	return errors.Join(err, n.Shutdown())
}

func (n *Node) leaveGossip() {
	if n.raft.State() == raft.Leader && n.otherVoters() > 0 {
		if err := n.raft.LeadershipTransfer().Error(); err != nil {
			n.log.Warn().Err(err).Msg("leadership transfer failed")
		}
	}
	if err := n.ml.Leave(2 * time.Second); err != nil {
		n.log.Warn().Err(err).Msg("gossip leave not confirmed")
	}
}

// awaitHandoff waits until the store shows no input on this node, including handoffs still under way.
func (n *Node) awaitHandoff(timeout time.Duration) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		ch := n.store.Watch()
		pending, wait := n.pendingHandoff(time.Now())
		if pending == 0 {
			return nil
		}
		if n.fenced.Load() {
			// No leader has been heard for the fence timeout: nobody can take the inputs over, and the
			// fence has already stopped them here.
			return fmt.Errorf("%d inputs not handed over: no leader to hand them to", pending)
		}
		t := time.NewTimer(min(wait, 500*time.Millisecond))
		select {
		case <-ch:
		case <-t.C:
		case <-deadline.C:
			t.Stop()
			return fmt.Errorf("%d inputs still on this node after %s", pending, timeout)
		}
		t.Stop()
	}
}

// pendingHandoff counts the inputs this node still owns or still hands over, and how long until the next
// handover completes.
func (n *Node) pendingHandoff(now time.Time) (int, time.Duration) {
	me := n.cfg.NodeID
	pending, wait := 0, time.Hour
	n.store.Read(func(st *store.State) {
		for id, a := range st.Assignments {
			switch {
			case a.Node == me:
				pending++
			case a.Prev == me:
				handOff := a.Since // as local.go: until the last slot before Since fired, jitter included
				if in, ok := st.Inputs[id]; ok {
					handOff = handOff.Add(in.Jitter.D())
				}
				if handOff.After(now) {
					pending++
					wait = min(wait, handOff.Sub(now))
				}
			}
		}
	})
	return pending, wait
}

// Done is closed once the node has shut down, including after it left the cluster on an operator's request.
func (n *Node) Done() <-chan struct{} { return n.done }

// ID returns the node's ID.
func (n *Node) ID() string { return n.cfg.NodeID }

// Store returns the node's local replica of the desired state.
func (n *Node) Store() *store.Store { return n.store }

// Worker returns the node's worker.
func (n *Node) Worker() *worker.Worker { return n.worker }

// GossipAddr returns the host:port others gossip with.
func (n *Node) GossipAddr() string { return n.gossipAddr }

// RaftAddr returns the host:port others reach raft on.
func (n *Node) RaftAddr() string { return n.meta.Raft }

// Fenced reports whether the node has stopped its inputs for lack of leader contact.
func (n *Node) Fenced() bool { return n.fenced.Load() }

func (n *Node) otherVoters() int {
	f := n.raft.GetConfiguration()
	if f.Error() != nil {
		return 0
	}
	c := 0
	for _, s := range f.Configuration().Servers {
		if s.Suffrage == raft.Voter && string(s.ID) != n.cfg.NodeID {
			c++
		}
	}
	return c
}
