package faults

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wanServer is an HTTP server behind inj's shaping that reads every request body and answers with a few
// KiB written in several calls, as a handler streaming a response does.
func wanServer(t *testing.T, inj *Injector) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		for range 3 {
			_, _ = w.Write(bytes.Repeat([]byte("a"), 3<<10))
			http.NewResponseController(w).Flush()
		}
	}))
	srv.Listener = inj.ShapeListener(srv.Listener)
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL
}

// Latency is charged per round trip: a client making twice the round trips pays twice the latency, a new
// connection pays the handshake, and "Expect: 100-continue" costs a second round trip. The counts are
// exact; the times are bounded below by what the model charges, and above generously for a busy machine.
func TestLatencyPerRoundTrip(t *testing.T) {
	const rtt = 30 * time.Millisecond
	tests := []struct {
		name           string
		requests       int
		newConnEach    bool
		expectContinue bool
		want           Conversation
	}{
		{name: "3 requests on one connection", requests: 3, want: Conversation{Handshakes: 1, Turns: 6}},
		{name: "6 requests on one connection", requests: 6, want: Conversation{Handshakes: 1, Turns: 12}},
		{name: "3 requests on new connections", requests: 3, newConnEach: true, want: Conversation{Handshakes: 3, Turns: 6}},
		{name: "a PUT", requests: 1, want: Conversation{Handshakes: 1, Turns: 2}},
		{name: "a PUT with 100-continue", requests: 1, expectContinue: true, want: Conversation{Handshakes: 1, Turns: 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inj := New()
			inj.SetNetwork(rtt, 0)
			url := wanServer(t, inj)
			tr := &http.Transport{DisableKeepAlives: tt.newConnEach, ExpectContinueTimeout: time.Minute}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr}

			start := time.Now()
			for range tt.requests {
				req, err := http.NewRequest(http.MethodPut, url, bytes.NewReader(make([]byte, 64<<10)))
				require.NoError(t, err)
				if tt.expectContinue {
					req.Header.Set("Expect", "100-continue")
				}
				resp, err := client.Do(req)
				require.NoError(t, err)
				_, err = io.Copy(io.Discard, resp.Body)
				require.NoError(t, err)
				require.NoError(t, resp.Body.Close())
			}
			took := time.Since(start)

			assert.Equal(t, tt.want, inj.Conversation())
			charged := time.Duration(tt.want.Handshakes)*rtt + time.Duration(tt.want.Turns)*rtt/2
			assert.GreaterOrEqual(t, took, charged)
			assert.Less(t, took, charged+time.Second, "latency is charged per round trip, not per read or write call")
		})
	}
}

// Two parallel uploads share a shared uplink, each getting about half of it; with per-connection caps each
// gets about the whole cap.
func TestSharedUplinkSplitsBandwidth(t *testing.T) {
	const (
		rate = 2 << 20
		size = 512 << 10
	)
	inj := New()
	url := wanServer(t, inj)

	inj.SetSharedUplink(0, rate)
	shared := parallelUploads(t, url, size)
	alone := time.Duration(float64(size) / rate * float64(time.Second)) // one upload at the full cap
	var sum float64
	for _, d := range shared {
		// Each upload may not beat half the cap by more than the first burst allows, however idle the machine.
		assert.GreaterOrEqual(t, d, 2*alone*8/10, "each upload gets about half the uplink")
		sum += size / d.Seconds()
	}
	assert.LessOrEqual(t, sum, rate*1.2, "together they stay within the uplink")
	assert.GreaterOrEqual(t, sum, rate*0.3, "together they use a fair part of it")

	inj.SetNetwork(0, rate)
	perConn := parallelUploads(t, url, size)
	for _, d := range perConn {
		assert.GreaterOrEqual(t, d, alone*8/10, "each upload is capped")
		assert.Less(t, d, min(shared[0], shared[1])*8/10, "but not by the other one")
	}
	t.Logf("512 KiB at 2 MiB/s, two at once: shared uplink %v, per connection %v", shared, perConn)
}

// parallelUploads PUTs size bytes twice at once, each on its own connection, and returns how long each took.
func parallelUploads(t *testing.T, url string, size int) [2]time.Duration {
	t.Helper()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var (
		wg   sync.WaitGroup
		took [2]time.Duration
		errs [2]error
	)
	for i := range took {
		wg.Go(func() {
			start := time.Now()
			resp, err := client.Post(url, "application/octet-stream", bytes.NewReader(make([]byte, size)))
			if err == nil {
				_, err = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
			}
			took[i], errs[i] = time.Since(start), err
		})
	}
	wg.Wait()
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	return took
}
