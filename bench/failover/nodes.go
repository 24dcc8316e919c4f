package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gatherd/gatherd/client"
)

// node is one `gatherd agent` process on 127.0.0.1, started with the documented flags only.
type node struct {
	id, api, logPath string
	cmd              *exec.Cmd
	done             chan struct{}
	cl               *client.Client
}

// startNodes starts n agents that form one cluster; their data and logs go under dir.
func startNodes(bin, dir string, n int) ([]*node, error) {
	gossip := make([]int, n)
	var seeds []string
	for i := range gossip {
		p, err := freePort(true)
		if err != nil {
			return nil, err
		}
		gossip[i] = p
		seeds = append(seeds, "127.0.0.1:"+strconv.Itoa(p))
	}
	var ns []*node
	for i := range n {
		raftPort, err := freePort(false)
		if err != nil {
			return ns, err
		}
		httpPort, err := freePort(false)
		if err != nil {
			return ns, err
		}
		nd := &node{id: fmt.Sprintf("n%d", i+1), api: "http://127.0.0.1:" + strconv.Itoa(httpPort)}
		nd.logPath = filepath.Join(dir, nd.id+".log")
		log, err := os.Create(nd.logPath)
		if err != nil {
			return ns, err
		}
		nd.cmd = exec.Command(bin, "agent", "--node-id", nd.id, "--data-dir", filepath.Join(dir, nd.id),
			"--bind", "127.0.0.1", "--gossip-port", strconv.Itoa(gossip[i]), "--raft-port", strconv.Itoa(raftPort),
			"--http", "127.0.0.1:"+strconv.Itoa(httpPort), "--join", strings.Join(seeds, ","),
			"--bootstrap-expect", strconv.Itoa(min(n, 3)), "--log-format", "json")
		nd.cmd.Stdout, nd.cmd.Stderr = log, log
		if err := nd.cmd.Start(); err != nil {
			log.Close()
			return ns, fmt.Errorf("start %s: %w", nd.id, err)
		}
		nd.done = make(chan struct{})
		go func() { _ = nd.cmd.Wait(); log.Close(); close(nd.done) }()
		if nd.cl, err = client.New(nd.api); err != nil {
			return ns, err
		}
		ns = append(ns, nd)
	}
	return ns, nil
}

// freePort finds a loopback port free on TCP (and on UDP too when udp: gossip uses both).
func freePort(udp bool) (int, error) {
	for range 20 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		p := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if !udp {
			return p, nil
		}
		if u, err := net.ListenPacket("udp", "127.0.0.1:"+strconv.Itoa(p)); err == nil {
			u.Close()
			return p, nil
		}
	}
	return 0, fmt.Errorf("no free port")
}

// kill is kill -9.
func (n *node) kill() {
	if n.cmd != nil && n.cmd.Process != nil {
		_ = n.cmd.Process.Signal(syscall.SIGKILL)
		<-n.done
	}
}

func (n *node) alive() bool {
	select {
	case <-n.done:
		return false
	default:
		return true
	}
}

func (n *node) status(timeout time.Duration) (*client.Status, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return n.cl.Status(ctx)
}

// cpu is the process's user+system CPU time so far, from /proc/<pid>/stat.
func (n *node) cpu() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", n.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// Fields after the command name (which may hold spaces) start after the last ')'.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ is 100 on Linux
}

// rss returns the process's resident set and its peak so far (VmRSS, VmHWM) in MiB.
func (n *node) rss() (rss, hwm float64) {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", n.cmd.Process.Pid))
	for _, l := range strings.Split(string(b), "\n") {
		var kb float64
		if k, _ := fmt.Sscanf(l, "VmRSS: %f kB", &kb); k == 1 {
			rss = kb / 1024
		}
		if k, _ := fmt.Sscanf(l, "VmHWM: %f kB", &kb); k == 1 {
			hwm = kb / 1024
		}
	}
	return rss, hwm
}

// logCount counts the node's log lines that hold every one of parts.
func (n *node) logCount(parts ...string) int {
	f, err := os.Open(n.logPath)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	c := 0
	for sc.Scan() {
		all := true
		for _, p := range parts {
			all = all && bytes.Contains(sc.Bytes(), []byte(p))
		}
		if all {
			c++
		}
	}
	return c
}
