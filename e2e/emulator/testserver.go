package emulator

import (
	"net"
	"testing"
)

// TestServer is an Emulator listening on 127.0.0.1 for the duration of a test.
type TestServer struct {
	URL string // http://127.0.0.1:PORT, the endpoint to give an SDK
	*Emulator
}

// NewTestServer starts an emulator on a free loopback port, behind the shaping listener, and stops it when
// the test ends.
func NewTestServer(t testing.TB, opts Options) *TestServer {
	t.Helper()
	e, err := New(opts)
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
	return &TestServer{URL: "http://" + l.Addr().String(), Emulator: e}
}
