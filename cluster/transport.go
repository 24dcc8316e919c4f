package cluster

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/raft"

	"github.com/gatherd/gatherd/faultnet"
)

// streamLayer is raft's network: TCP, with mutual TLS when configured (raft has no TLS of its own).
//
// It can abort its outbound connections. raft.Shutdown waits for the replication goroutines, and those may be
// blocked in a dial, or in an RPC on a connection, to a peer that vanished (a container gone takes its IP with
// it: SYNs and writes go unanswered) for up to the transport's 10 s timeout, which made a stopping node hang
// past Docker's grace period. abort, called before raft.Shutdown, cancels the dials and closes the connections.
type streamLayer struct {
	net.Listener
	advertise net.Addr
	tls       *tls.Config
	faults    *faultnet.Rules

	ctx    context.Context // cancelled by abort
	cancel context.CancelFunc
	mu     sync.Mutex
	conns  map[*abortableConn]struct{} // open outbound connections

	inMu     sync.Mutex
	inClosed bool                      // set by drainInbound: Accept fails from then on
	inbound  map[*inboundConn]struct{} // accepted connections whose handler has not closed them yet
	inDone   chan struct{}             // closed when inbound empties after drainInbound
}

func newStreamLayer(bind, advertiseIP string, port int, tlsConf *tls.Config, faults *faultnet.Rules) (*streamLayer, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(bind, fmt.Sprint(port)))
	if err != nil {
		return nil, fmt.Errorf("raft listen on %s:%d: %w", bind, port, err)
	}
	actual := ln.Addr().(*net.TCPAddr).Port
	adv := &net.TCPAddr{IP: net.ParseIP(advertiseIP), Port: actual}
	if adv.IP == nil {
		ln.Close()
		return nil, fmt.Errorf("advertise address %q is not an IP", advertiseIP)
	}
	if tlsConf != nil {
		ln = tls.NewListener(ln, tlsConf)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &streamLayer{Listener: ln, advertise: adv, tls: tlsConf, faults: faults, ctx: ctx, cancel: cancel,
		conns: map[*abortableConn]struct{}{}, inbound: map[*inboundConn]struct{}{}, inDone: make(chan struct{})}, nil
}

// Accept hands raft an inbound connection it tracks until raft's handler closes it; see drainInbound.
func (s *streamLayer) Accept() (net.Conn, error) {
	c, err := s.Listener.Accept()
	if err != nil {
		return nil, err
	}
	ic := &inboundConn{Conn: c, layer: s}
	s.inMu.Lock()
	defer s.inMu.Unlock()
	if s.inClosed {
		c.Close()
		return nil, net.ErrClosed
	}
	s.inbound[ic] = struct{}{}
	return ic, nil
}

// drainInbound closes every inbound connection and waits, up to timeout, until raft's handler goroutine of each
// has returned (it closes its connection on the way out). Call it after raft.Shutdown and the transport's Close,
// and before closing the raft store: raft answers heartbeats on the transport's goroutine, not its main loop, so
// a heartbeat that arrived just before Shutdown can still write the term to the store after Shutdown returned,
// and raft panics when that write fails on a closed store (hashicorp/raft#717: "failed to save current term:
// database not open", seen in CI when a test stopped a node).
func (s *streamLayer) drainInbound(timeout time.Duration) bool {
	s.inMu.Lock()
	if !s.inClosed {
		s.inClosed = true
		if len(s.inbound) == 0 {
			close(s.inDone)
		}
	}
	conns := make([]*inboundConn, 0, len(s.inbound))
	for c := range s.inbound {
		conns = append(conns, c)
	}
	s.inMu.Unlock()
	for _, c := range conns {
		_ = c.Conn.Close() // the handler's next read or write fails and it returns
	}
	select {
	case <-s.inDone:
		return true
	case <-time.After(timeout):
		return false
	}
}

// inboundConn is an accepted connection that leaves the stream layer's set when raft's handler closes it.
type inboundConn struct {
	net.Conn
	layer *streamLayer
	once  sync.Once
}

func (c *inboundConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		s := c.layer
		s.inMu.Lock()
		defer s.inMu.Unlock()
		delete(s.inbound, c)
		if s.inClosed && len(s.inbound) == 0 {
			close(s.inDone)
		}
	})
	return err
}

// Addr is the address other nodes dial, which differs from the listener's when bound to 0.0.0.0.
func (s *streamLayer) Addr() net.Addr { return s.advertise }

// Dial opens a raft connection to a peer.
func (s *streamLayer) Dial(address raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	self, to := s.advertise.String(), string(address)
	if !s.faults.Allowed(self, to) {
		return nil, fmt.Errorf("dial %s: partitioned by faultnet", to)
	}
	ctx, cancel := context.WithTimeout(s.ctx, timeout)
	defer cancel()
	var c net.Conn
	var err error
	if s.tls != nil {
		c, err = (&tls.Dialer{Config: s.tls}).DialContext(ctx, "tcp", to)
	} else {
		c, err = (&net.Dialer{}).DialContext(ctx, "tcp", to)
	}
	if err != nil {
		return nil, err
	}
	ac := &abortableConn{Conn: s.faults.Track(self, to, c), layer: s}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx.Err() != nil { // aborted while dialing
		c.Close()
		return nil, fmt.Errorf("dial %s: raft transport shutting down", to)
	}
	s.conns[ac] = struct{}{}
	return ac, nil
}

// abort fails every dial under way and to come, and closes every outbound connection, so that nothing raft
// waits for on shutdown stays blocked on the network. Inbound connections are raft's to close.
func (s *streamLayer) abort() {
	s.cancel()
	s.mu.Lock()
	conns := s.conns
	s.conns = map[*abortableConn]struct{}{}
	s.mu.Unlock()
	for c := range conns {
		_ = c.Conn.Close()
	}
}

// abortableConn is an outbound connection that leaves the stream layer's set when closed.
type abortableConn struct {
	net.Conn
	layer *streamLayer
}

func (c *abortableConn) Close() error {
	c.layer.mu.Lock()
	delete(c.layer.conns, c)
	c.layer.mu.Unlock()
	return c.Conn.Close()
}

// addressProvider resolves a raft server ID to the raft address the node currently gossips, so a node that
// restarted on a new IP is still reachable under the configuration raft stored.
type addressProvider struct{ members *members }

func (p addressProvider) ServerAddr(id raft.ServerID) (raft.ServerAddress, error) {
	m, ok := p.members.get(string(id))
	if !ok || m.Meta.Raft == "" {
		return "", fmt.Errorf("no gossip address for %s", id)
	}
	return raft.ServerAddress(m.Meta.Raft), nil
}
