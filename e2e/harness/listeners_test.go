package harness

import (
	"net"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseHexAddr(t *testing.T) {
	tests := []struct {
		in       string
		ip       string
		port     int
		loopback bool
	}{
		{"0100007F:1F90", "127.0.0.1", 8080, true},
		{"00000000:0016", "0.0.0.0", 22, false},
		{"00000000000000000000000001000000:0050", "::1", 80, true},
		{"00000000000000000000000000000000:0050", "::", 80, false},
		{"0000000000000000FFFF00000100007F:2382", "127.0.0.1", 9090, true}, // IPv4-mapped
	}
	for _, tt := range tests {
		ip, port, err := parseHexAddr(tt.in)
		require.NoError(t, err, tt.in)
		assert.True(t, net.ParseIP(tt.ip).Equal(ip), "%s: got %s", tt.in, ip)
		assert.Equal(t, tt.port, port, tt.in)
		assert.Equal(t, tt.loopback, Listener{Addr: ip}.Loopback(), tt.in)
	}
	for _, bad := range []string{"", "0100007F", "XYZ:0016", "0100007F:XYZ", "01007F:0016"} {
		_, _, err := parseHexAddr(bad)
		assert.Error(t, err, bad)
	}
}

// The check must see wildcard listeners, not only loopback ones: this process opens one of each.
func TestListenersFindsWildcardAndLoopback(t *testing.T) {
	lo, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer lo.Close()
	any, err := net.Listen("tcp", ":0")
	require.NoError(t, err)
	defer any.Close()

	ls, err := Listeners([]int{os.Getpid()})
	require.NoError(t, err)
	ports := map[int]bool{}
	for _, l := range ls {
		ports[l.Port] = l.Loopback()
		assert.Equal(t, os.Getpid(), l.PID)
	}
	assert.Equal(t, map[int]bool{lo.Addr().(*net.TCPAddr).Port: true, any.Addr().(*net.TCPAddr).Port: false}, ports)
}
