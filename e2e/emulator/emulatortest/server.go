// Package emulatortest runs the Alibaba Cloud emulator for one test, as net/http/httptest runs an HTTP
// server: the emulator package itself stays free of the testing package, so its binary does not carry it.
package emulatortest

import (
	"net"
	"testing"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator"
)

// Server is an emulator listening on 127.0.0.1 for the duration of a test.
type Server struct {
	URL string // http://127.0.0.1:PORT, the endpoint to give an SDK
	*emulator.Emulator
}

// NewServer starts an emulator on a free loopback port, behind the shaping listener, and stops it when
// the test ends.
func NewServer(t testing.TB, opts emulator.Options) *Server {
	t.Helper()
	e, err := emulator.New(opts)
	if err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = e.Close()
		t.Fatalf("listen for emulator: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- e.Serve(l) }()
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Errorf("close emulator: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("emulator serve: %v", err)
		}
	})
	return &Server{URL: "http://" + l.Addr().String(), Emulator: e}
}
