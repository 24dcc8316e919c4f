package cluster

import (
	"context"
	"errors"
	"net"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/memberlist"
	"github.com/hashicorp/raft"
)

// abort releases what raft's shutdown would wait for: reads on established connections and dials under way.
func TestStreamLayerAbort(t *testing.T) {
	server, err := newStreamLayer("127.0.0.1", "127.0.0.1", 0, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	go func() { // accept and never answer, like a peer whose container froze
		for {
			if _, err := server.Accept(); err != nil {
				return
			}
		}
	}()
	client, err := newStreamLayer("127.0.0.1", "127.0.0.1", 0, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	conn, err := client.Dial(raft.ServerAddress(server.Addr().String()), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	readErr := make(chan error, 1)
	go func() {
		_, err := conn.Read(make([]byte, 1))
		readErr <- err
	}()

	// A dial to an address that never answers, as a vanished container's IP does.
	dialErr := make(chan error, 1)
	hole, blackhole := blackHole(t)
	if blackhole {
		go func() {
			_, err := client.Dial(raft.ServerAddress(hole), time.Minute)
			dialErr <- err
		}()
		time.Sleep(100 * time.Millisecond)
	}

	client.abort()
	wantUnblocked(t, readErr, "a read on an outbound connection")
	if blackhole {
		wantUnblocked(t, dialErr, "a dial to a black hole")
	} else {
		t.Log("no black hole on this machine: the dial half is not exercised")
	}
	if _, err := client.Dial(raft.ServerAddress(server.Addr().String()), time.Second); err == nil {
		t.Error("a dial after abort succeeded")
	}
}

// blackHole returns an address whose dials hang: a listener with a backlog of 0 whose queue is filled with
// connections it never accepts, so that Linux drops further SYNs. ok is false where that does not work.
func blackHole(t *testing.T) (addr string, ok bool) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return "", false
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		return "", false
	}
	if err := syscall.Listen(fd, 0); err != nil {
		return "", false
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		return "", false
	}
	addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(sa.(*syscall.SockaddrInet4).Port))
	for range 16 {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			t.Cleanup(func() { c.Close() })
			continue
		}
		var ne net.Error
		return addr, errors.As(err, &ne) && ne.Timeout()
	}
	return "", false
}

// Gossip dials end when the node shuts down (its context is cancelled), not at memberlist's 10 s timeout.
func TestGossipDialEndsOnShutdown(t *testing.T) {
	hole, ok := blackHole(t)
	if !ok {
		t.Skip("no black hole on this machine")
	}
	ctx, cancel := context.WithCancel(context.Background())
	tr := &gossipTransport{ctx: ctx}
	errc := make(chan error, 1)
	go func() {
		_, err := tr.DialAddressTimeout(memberlist.Address{Addr: hole}, time.Minute)
		errc <- err
	}()
	time.Sleep(100 * time.Millisecond)
	cancel()
	wantUnblocked(t, errc, "a gossip dial to a black hole")
}

// wantUnblocked wants what (a blocked network call) to have returned an error on errc: aborting must release it
// at once, so 10s means it was not released at all.
func wantUnblocked(t *testing.T, errc <-chan error, what string) {
	t.Helper()
	select {
	case err := <-errc:
		if err == nil {
			t.Errorf("%s succeeded", what)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("%s was still blocked 10s after the abort", what)
	}
}

// drainInbound returns only after raft's handler of every inbound connection is done: raft answers a heartbeat
// on the transport's goroutine, and one still running when the store closes makes raft panic (raft#717).
func TestDrainInboundWaitsForAHeartbeatInProgress(t *testing.T) {
	server, err := newStreamLayer("127.0.0.1", "127.0.0.1", 0, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	strans := raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{Stream: server, MaxPool: 1, Timeout: 10 * time.Second})
	entered, release := make(chan struct{}), make(chan struct{})
	var finished atomic.Bool
	strans.SetHeartbeatHandler(func(rpc raft.RPC) {
		close(entered)
		<-release // raft's processHeartbeat, slowed down: here it would write the term to the store
		finished.Store(true)
		rpc.Respond(&raft.AppendEntriesResponse{}, nil)
	})

	client, err := newStreamLayer("127.0.0.1", "127.0.0.1", 0, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctrans := raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{Stream: client, MaxPool: 1, Timeout: 10 * time.Second})
	defer ctrans.Close()
	go func() {
		var resp raft.AppendEntriesResponse
		_ = ctrans.AppendEntries("server", raft.ServerAddress(server.Addr().String()), &raft.AppendEntriesRequest{
			RPCHeader: raft.RPCHeader{ID: []byte("leader"), Addr: []byte(client.Addr().String())}, Term: 2,
		}, &resp)
	}()
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the heartbeat never reached the handler")
	}

	// The node's shutdown order: raft.Shutdown (no effect on the handler), the transport's Close, then drain.
	strans.Close()
	drained := make(chan bool, 1)
	go func() { drained <- server.drainInbound(10 * time.Second) }()
	select {
	case <-drained:
		t.Fatal("drainInbound returned while a heartbeat was still being handled")
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	select {
	case ok := <-drained:
		if !ok {
			t.Fatal("drainInbound timed out after the handler returned")
		}
		if !finished.Load() {
			t.Fatal("drainInbound returned before the handler finished")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("drainInbound never returned after the handler finished")
	}

	server.inMu.Lock()
	defer server.inMu.Unlock()
	if n := len(server.inbound); n != 0 {
		t.Fatalf("%d inbound connections still tracked after the drain", n)
	}
}
