package telegrafx_test

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/miekg/dns"
)

// tcpTarget accepts and closes TCP connections, for net_response.
func tcpTarget(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return ln.Addr().String()
}

// dnsTarget answers A queries for any name with 192.0.2.1, for dns_query. It returns its UDP port.
func dnsTarget(t *testing.T) int {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		for _, question := range q.Question {
			rr, _ := dns.NewRR(question.Name + " 60 IN A 192.0.2.1")
			m.Answer = append(m.Answer, rr)
		}
		_ = w.WriteMsg(m)
	})}
	go func() { _ = srv.ActivateAndServe() }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	return pc.LocalAddr().(*net.UDPAddr).Port
}

// freeUDPPort returns a UDP port free right now on loopback.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	return pc.LocalAddr().(*net.UDPAddr).Port
}

// snmpTarget starts Debian's snmpd on a loopback port with community "public", or skips when it is not
// installed (.ci/run installs it).
func snmpTarget(t *testing.T) int {
	t.Helper()
	bin := snmpdBinary(t)
	dir := t.TempDir()
	conf := filepath.Join(dir, "snmpd.conf")
	if err := os.WriteFile(conf, []byte("rocommunity public 127.0.0.1\nsysLocation gatherd-test\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	port := freeUDPPort(t)
	cmd := exec.Command(bin, "-f", "-Lo", "-C", "-c", conf, "-p", filepath.Join(dir, "pid"), "udp:127.0.0.1:"+strconv.Itoa(port))
	cmd.Env = append(os.Environ(), "MIBDIRS="+dir) // no MIB files needed for numeric OIDs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start snmpd: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return port
}

// snmpdBinary finds Debian's snmpd, or skips.
func snmpdBinary(t *testing.T) string {
	t.Helper()
	if bin, err := exec.LookPath("snmpd"); err == nil {
		return bin
	}
	if p := "/usr/sbin/snmpd"; fileExists(p) {
		return p
	}
	t.Skip("snmpd not installed (apt-get install snmpd)")
	return ""
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
