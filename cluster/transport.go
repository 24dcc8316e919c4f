package cluster

import (
	"crypto/tls"
	"fmt"
	"net"
	"time"

	"github.com/hashicorp/raft"

	"github.com/gatherd/gatherd/faultnet"
)

// streamLayer is raft's network: TCP, with mutual TLS when configured (raft has no TLS of its own).
type streamLayer struct {
	net.Listener
	advertise net.Addr
	tls       *tls.Config
	faults    *faultnet.Rules
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
	return &streamLayer{Listener: ln, advertise: adv, tls: tlsConf, faults: faults}, nil
}

// Addr is the address other nodes dial, which differs from the listener's when bound to 0.0.0.0.
func (s *streamLayer) Addr() net.Addr { return s.advertise }

// Dial opens a raft connection to a peer.
func (s *streamLayer) Dial(address raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	self, to := s.advertise.String(), string(address)
	if !s.faults.Allowed(self, to) {
		return nil, fmt.Errorf("dial %s: partitioned by faultnet", to)
	}
	d := &net.Dialer{Timeout: timeout}
	var c net.Conn
	var err error
	if s.tls != nil {
		c, err = tls.DialWithDialer(d, "tcp", to, s.tls)
	} else {
		c, err = d.Dial("tcp", to)
	}
	if err != nil {
		return nil, err
	}
	return s.faults.Track(self, to, c), nil
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
