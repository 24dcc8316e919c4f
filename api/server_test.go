package api_test

import (
	"bufio"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gatherd/gatherd/api"
	"github.com/gatherd/gatherd/testcluster"
)

// A plain-HTTP request to the HTTPS API is logged by gatherd's logger as module http, not by the standard
// logger (which Telegraf takes over).
func TestHTTPServerErrorsGoToTheLogger(t *testing.T) {
	var buf testcluster.LogBuffer
	srv := api.NewHTTPServer("", http.NotFoundHandler(), zerolog.New(&buf))
	ts := httptest.NewUnstartedServer(srv.Handler)
	ts.Config = srv
	ts.StartTLS()
	defer ts.Close()

	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _ = bufio.NewReader(conn).ReadString('\n') // the server's 400, or EOF
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(buf.String(), "TLS handshake error") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if out := buf.String(); !strings.Contains(out, `"module":"http"`) || !strings.Contains(out, "TLS handshake error") {
		t.Errorf("log %q: want the handshake error under module http", out)
	}
}
