package faultnet

import (
	"fmt"
	"net"
	"time"

	"github.com/hashicorp/memberlist"
)

// Transport wraps memberlist's transport: packets and stream dials across the cut are dropped or refused.
type Transport struct {
	inner   memberlist.NodeAwareTransport
	self    string
	rules   *Rules
	packets chan *memberlist.Packet
	done    chan struct{}
}

// WrapTransport returns inner filtered by rules; self is this node's gossip address.
func WrapTransport(inner memberlist.NodeAwareTransport, self string, rules *Rules) *Transport {
	t := &Transport{inner: inner, self: self, rules: rules, packets: make(chan *memberlist.Packet), done: make(chan struct{})}
	go t.filter()
	return t
}

func (t *Transport) filter() {
	for {
		select {
		case p := <-t.inner.PacketCh():
			if !t.rules.Allowed(p.From.String(), t.self) {
				continue
			}
			select {
			case t.packets <- p:
			case <-t.done:
				return
			}
		case <-t.done:
			return
		}
	}
}

func (t *Transport) FinalAdvertiseAddr(ip string, port int) (net.IP, int, error) {
	return t.inner.FinalAdvertiseAddr(ip, port)
}

func (t *Transport) WriteTo(b []byte, addr string) (time.Time, error) {
	if !t.rules.Allowed(t.self, addr) {
		return time.Now(), nil // a lost UDP packet looks like success to the sender
	}
	return t.inner.WriteTo(b, addr)
}

func (t *Transport) WriteToAddress(b []byte, a memberlist.Address) (time.Time, error) {
	if !t.rules.Allowed(t.self, a.Addr) {
		return time.Now(), nil
	}
	return t.inner.WriteToAddress(b, a)
}

func (t *Transport) PacketCh() <-chan *memberlist.Packet { return t.packets }

func (t *Transport) DialTimeout(addr string, timeout time.Duration) (net.Conn, error) {
	return t.DialAddressTimeout(memberlist.Address{Addr: addr}, timeout)
}

func (t *Transport) DialAddressTimeout(a memberlist.Address, timeout time.Duration) (net.Conn, error) {
	if !t.rules.Allowed(t.self, a.Addr) {
		return nil, fmt.Errorf("dial %s: partitioned by faultnet", a.Addr)
	}
	c, err := t.inner.DialAddressTimeout(a, timeout)
	if err != nil {
		return nil, err
	}
	return t.rules.Track(t.self, a.Addr, c), nil
}

func (t *Transport) StreamCh() <-chan net.Conn { return t.inner.StreamCh() }

// Shutdown stops the filter and the inner transport. The inner transport's UDP listener may be blocked handing
// a packet over, and its Shutdown waits for it, so packets are drained (and dropped) until it has returned:
// memberlist itself reads its transport's packets until the transport is down.
func (t *Transport) Shutdown() error {
	close(t.done)
	drained := make(chan struct{})
	go func() {
		for {
			select {
			case <-t.inner.PacketCh():
			case <-drained:
				return
			}
		}
	}()
	err := t.inner.Shutdown()
	close(drained)
	return err
}
