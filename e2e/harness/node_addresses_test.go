package harness

import (
	"fmt"
	"net"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNodeIPsAreUniqueInTestNet1(t *testing.T) {
	var book addressBook
	_, testNet1, err := net.ParseCIDR("192.0.2.0/24")
	require.NoError(t, err)
	// Clusters start concurrently in some tests: no two may get the same address.
	var (
		mu   sync.Mutex
		seen = map[string]bool{}
		wg   sync.WaitGroup
	)
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ips, err := book.nodeIPs(3)
			assert.NoError(t, err)
			mu.Lock()
			defer mu.Unlock()
			for _, ip := range ips {
				assert.False(t, seen[ip], "IP %s handed out twice", ip)
				seen[ip] = true
				assert.True(t, testNet1.Contains(net.ParseIP(ip)), ip)
			}
		}()
	}
	wg.Wait()
	assert.Len(t, seen, 15)
}

func TestNodeIPsRunOut(t *testing.T) {
	var book addressBook
	ips, err := book.nodeIPs(lastNodeIPOct - firstNodeIPOct + 1)
	require.NoError(t, err)
	assert.Equal(t, "192.0.2.10", ips[0])
	assert.Equal(t, "192.0.2.254", ips[len(ips)-1])
	_, err = book.nodeIPs(1)
	assert.ErrorContains(t, err, "1 more nodes do not fit")
}

func TestPodCIDRs(t *testing.T) {
	var book addressBook
	for i := range lastPodNet - firstPodNet + 1 {
		cidr, err := book.podCIDR()
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprintf("10.%d.0.0/16", firstPodNet+i), cidr)
	}
	_, err := book.podCIDR()
	assert.ErrorContains(t, err, "all 64 are handed out")
}
