package harness

import (
	"fmt"
	"sync"
)

// Addresses the session hands out. Node IPs come from TEST-NET-1 (RFC 5737), which no network routes,
// and stay unique across the session's clusters because HBR finds a node by "<region>.<ip>". Pod IPs
// are only written into pod status by kwok; nothing listens on them.
const (
	nodeIPPrefix   = "192.0.2."
	firstNodeIPOct = 10
	lastNodeIPOct  = 254
	// Cluster k of the session gets 10.(firstPodNet+k).0.0/16 for its pods.
	firstPodNet = 64
	lastPodNet  = 127
)

// addressBook hands out node IPs and pod CIDRs; its zero value is ready.
type addressBook struct {
	mu       sync.Mutex
	nodes    int // node IPs handed out
	clusters int // pod CIDRs handed out
}

// nodeIPs returns n InternalIPs no other node of the session has.
func (a *addressBook) nodeIPs(n int) ([]string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if firstNodeIPOct+a.nodes+n-1 > lastNodeIPOct {
		return nil, fmt.Errorf("node IPs: %d more nodes do not fit in %s%d-%d (%d handed out)",
			n, nodeIPPrefix, firstNodeIPOct, lastNodeIPOct, a.nodes)
	}
	ips := make([]string, n)
	for i := range ips {
		ips[i] = fmt.Sprintf("%s%d", nodeIPPrefix, firstNodeIPOct+a.nodes+i)
	}
	a.nodes += n
	return ips, nil
}

// podCIDR returns a pod network no other cluster of the session has.
func (a *addressBook) podCIDR() (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if firstPodNet+a.clusters > lastPodNet {
		return "", fmt.Errorf("pod CIDRs: all %d are handed out", lastPodNet-firstPodNet+1)
	}
	cidr := fmt.Sprintf("10.%d.0.0/16", firstPodNet+a.clusters)
	a.clusters++
	return cidr, nil
}
