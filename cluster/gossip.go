package cluster

import (
	"context"
	"fmt"
	"log"
	"net"
	"strconv"
	"time"

	"github.com/hashicorp/memberlist"

	"github.com/gatherd/gatherd/faultnet"
	"github.com/gatherd/gatherd/logging"
	"github.com/gatherd/gatherd/store"
)

func (n *Node) startGossip() error {
	c := memberlist.DefaultLANConfig()
	c.Name = n.cfg.NodeID
	c.BindAddr = n.cfg.BindAddr
	c.BindPort = n.cfg.GossipPort
	c.AdvertiseAddr = n.cfg.AdvertiseAddr
	c.ProbeInterval = n.cfg.Timing.ProbeInterval
	c.ProbeTimeout = n.cfg.Timing.ProbeTimeout
	c.SuspicionMult = n.cfg.Timing.SuspicionMult
	c.GossipInterval = n.cfg.Timing.GossipInterval
	// A node restarted on a new address (a container with a new IP) may take its name back quickly.
	c.DeadNodeReclaimTime = time.Second
	c.Events = n.members
	c.Delegate = n.delegate
	c.Logger = log.New(&logging.LevelWriter{Logger: n.log.With().Str("module", "memberlist").Logger()}, "", 0)
	c.MetricLabels = n.gossipMetricLabels()
	if len(n.cfg.GossipKey) > 0 {
		c.SecretKey = n.cfg.GossipKey
		c.GossipVerifyIncoming, c.GossipVerifyOutgoing = true, true
	}

	tc := &memberlist.NetTransportConfig{
		BindAddrs:    []string{n.cfg.BindAddr},
		BindPort:     n.cfg.GossipPort,
		Logger:       c.Logger,
		MetricLabels: c.MetricLabels,
	}
	nt, err := memberlist.NewNetTransport(tc)
	// Port 0 takes a free TCP port and then needs the same port in UDP, which another process may hold:
	// try other ports, as memberlist does for a transport it makes itself (makeNetRetry).
	for try := 1; err != nil && n.cfg.GossipPort == 0 && try < 10; try++ {
		nt, err = memberlist.NewNetTransport(tc)
	}
	if err != nil {
		return fmt.Errorf("gossip listen on %s:%d: %w", n.cfg.BindAddr, n.cfg.GossipPort, err)
	}
	port := nt.GetAutoBindPort()
	c.BindPort, c.AdvertisePort = port, port
	n.gossipAddr = net.JoinHostPort(n.cfg.AdvertiseAddr, strconv.Itoa(port))
	var tr memberlist.NodeAwareTransport = &gossipTransport{NetTransport: nt, ctx: n.ctx}
	if n.cfg.Faults != nil {
		tr = faultnet.WrapTransport(tr, n.gossipAddr, n.cfg.Faults)
	}
	c.Transport = tr
	if err := n.publishMeta(); err != nil {
		_ = nt.Shutdown()
		return err
	}
	ml, err := memberlist.Create(c)
	if err != nil {
		_ = nt.Shutdown()
		return fmt.Errorf("start gossip: %w", err)
	}
	n.ml = ml
	return nil
}

// publishMeta encodes the node's metadata for gossip; after startup, updateMeta also pushes it to peers.
func (n *Node) publishMeta() error {
	n.metaMu.Lock()
	defer n.metaMu.Unlock()
	b, err := n.meta.encode()
	if err != nil {
		return err
	}
	n.delegate.set(b)
	return nil
}

// stopping reports whether Stop has begun: the node is handing its inputs over and about to leave.
func (n *Node) stopping() bool {
	n.metaMu.Lock()
	defer n.metaMu.Unlock()
	return n.meta.Stopping
}

// updateMeta changes the node's metadata and has metaLoop push it to peers. It never blocks on the network,
// so the fence loop can call it while the node is cut off.
func (n *Node) updateMeta(change func(*Meta)) {
	n.metaMu.Lock()
	change(&n.meta)
	n.metaMu.Unlock()
	if err := n.publishMeta(); err != nil {
		n.log.Error().Err(err).Msg("gossip metadata not updated")
		return
	}
	select {
	case n.metaChanged <- struct{}{}:
	default: // a push is already pending; it will carry this change too
	}
}

// metaLoop pushes metadata changes to peers, one at a time; memberlist's UpdateNode waits for the broadcast.
func (n *Node) metaLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-n.metaChanged:
			if err := n.ml.UpdateNode(5 * time.Second); err != nil {
				n.log.Warn().Err(err).Msg("gossip metadata update not confirmed")
			}
		}
	}
}

// joinLoop joins the configured seeds, retrying with backoff until one answers, then re-joins seeds and known
// peers that gossip calls dead, because memberlist never rejoins by itself after a long partition.
func (n *Node) joinLoop(ctx context.Context) {
	backoff := 200 * time.Millisecond
	for len(n.cfg.Join) > 0 {
		joined, err := n.ml.Join(n.cfg.Join)
		if joined > 0 {
			n.log.Info().Int("contacted", joined).Msg("joined the cluster")
			break
		}
		n.log.Warn().Err(err).Strs("seeds", n.cfg.Join).Dur("retry_in", backoff).Msg("join failed")
		if !sleepCtx(ctx, backoff) {
			return
		}
		backoff = min(backoff*2, 10*time.Second)
	}
	t := time.NewTicker(n.cfg.RejoinInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// Only peers gossip declared dead: they may be on the far side of a partition. A peer that left said
		// goodbye and joins again by itself when it returns, and its address is most likely gone: a join to it
		// hangs for memberlist's 10 s TCP timeout, and a stopping node waits for this loop. A stopping node
		// rejoins nobody.
		if n.stopping() {
			continue
		}
		var addrs []string
		for _, m := range n.members.list() {
			if m.ID != n.cfg.NodeID && m.Status == StatusDead && m.Addr != "" && !n.isLeftForGood(m.ID) {
				addrs = append(addrs, m.Addr)
			}
		}
		if n.ml.NumMembers() <= 1 {
			addrs = append(addrs, n.cfg.Join...)
		}
		if len(addrs) > 0 {
			if joined, err := n.ml.Join(addrs); joined > 0 {
				n.log.Info().Int("contacted", joined).Msg("rejoined peers")
			} else {
				n.log.Debug().Err(err).Strs("peers", addrs).Msg("rejoin found nobody")
			}
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// isLeftForGood reports whether the registry says an operator removed the node, so rejoining it is pointless.
func (n *Node) isLeftForGood(id string) bool {
	var left bool
	n.store.Read(func(st *store.State) { left = st.Nodes[id].State == store.NodeLeft })
	return left
}

// gossipTransport is memberlist's NetTransport with stream dials that end when the node shuts down. Memberlist
// dials with a plain 10 s timeout (joins, push-pull, TCP probes), and Shutdown waits for the loops that call
// Join: a rejoin towards a peer whose container is restarting, so that its address answers nothing, held a
// stopping node up for that long.
type gossipTransport struct {
	*memberlist.NetTransport
	ctx context.Context // the node's: cancelled first thing in Shutdown
}

func (t *gossipTransport) DialTimeout(addr string, timeout time.Duration) (net.Conn, error) {
	return t.DialAddressTimeout(memberlist.Address{Addr: addr}, timeout)
}

// DialAddressTimeout dials as NetTransport does (TCP, timeout), and gives up when the node shuts down.
func (t *gossipTransport) DialAddressTimeout(a memberlist.Address, timeout time.Duration) (net.Conn, error) {
	d := net.Dialer{Timeout: timeout}
	return d.DialContext(t.ctx, "tcp", a.Addr)
}
