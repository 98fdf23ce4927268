package emulator_test

import (
	"bytes"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/faults"
)

// The OSS SDK pays the WAN latency per round trip: twice the requests on its kept-alive connection cost
// twice the latency, and a client that has to connect first pays the handshake too.
func TestWANLatencyPerRoundTrip(t *testing.T) {
	srv := newServer(t)
	_, err := srv.OSS().PutObject(testBucket, "k", []byte("v"))
	require.NoError(t, err)
	const rtt = 25 * time.Millisecond
	srv.Faults().SetNetwork(rtt, 0)
	c := newClient(srv.URL)
	heads := func(n int) (time.Duration, faults.Conversation) {
		before, start := srv.Faults().Conversation(), time.Now()
		for range n {
			_, err := c.HeadObject(ctx(t), &oss.HeadObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("k")})
			require.NoError(t, err)
		}
		after := srv.Faults().Conversation()
		return time.Since(start), faults.Conversation{Handshakes: after.Handshakes - before.Handshakes, Turns: after.Turns - before.Turns}
	}

	first, conv := heads(1)
	assert.Equal(t, faults.Conversation{Handshakes: 1, Turns: 2}, conv, "a new connection: handshake, request, answer")
	assert.GreaterOrEqual(t, first, 2*rtt)

	once, conv := heads(4)
	assert.Equal(t, faults.Conversation{Turns: 8}, conv)
	twice, conv := heads(8)
	assert.Equal(t, faults.Conversation{Turns: 16}, conv)
	assert.GreaterOrEqual(t, once, 4*rtt)
	assert.GreaterOrEqual(t, twice, 8*rtt)
	assert.Less(t, once, 4*rtt+time.Second)
	assert.Less(t, twice, 8*rtt+time.Second)
	t.Logf("RTT %v: first request %v, 4 requests %v, 8 requests %v", rtt, first, once, twice)
}

// A shared uplink set through the admin API splits its bandwidth between parallel uploads.
func TestSharedUplinkThroughAdmin(t *testing.T) {
	srv := newServer(t)
	base := srv.URL + "/_admin"
	status, body := admin(t, "POST", base+"/network", `{"latency":"0s","bandwidthBytesPerSecond":2097152,"shared":true}`)
	require.Equal(t, http.StatusOK, status, string(body))
	assert.Equal(t, faults.Shape{BytesPerSecond: 2 << 20, Shared: true}, srv.Faults().NetworkShape())
	status, body = admin(t, "GET", base+"/network", "")
	require.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, `{"latency":"0s","bandwidthBytesPerSecond":2097152,"shared":true}`, string(body))

	const size = 512 << 10
	data := randomBytes(size, 3)
	c := newClient(srv.URL)
	var (
		wg   sync.WaitGroup
		took [2]time.Duration
		errs [2]error
	)
	for i := range took {
		wg.Go(func() {
			start := time.Now()
			_, errs[i] = c.PutObject(ctx(t), &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("up"),
				Body: bytes.NewReader(data)})
			took[i] = time.Since(start)
		})
	}
	wg.Wait()
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	// Alone, one upload would take size/rate = 250 ms; sharing, each needs about twice that.
	for _, d := range took {
		assert.GreaterOrEqual(t, d, 400*time.Millisecond, "each upload gets about half of the uplink")
		assert.Less(t, d, 5*time.Second)
	}

	status, _ = admin(t, "POST", base+"/network", `{"latency":"0s","bandwidthBytesPerSecond":0}`)
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, faults.Shape{}, srv.Faults().NetworkShape(), "a setting without shared is per connection")
}
