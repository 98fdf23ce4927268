package harness

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/procfs"
)

// Listener is a listening socket (TCP) or bound socket (UDP) held by one of the harness's processes.
type Listener struct {
	Proto string // tcp, tcp6, udp, udp6
	Addr  net.IP
	Port  int
	PID   int
	Comm  string
}

func (l Listener) String() string {
	return fmt.Sprintf("%s %s by %s (pid %d)", l.Proto, net.JoinHostPort(l.Addr.String(), strconv.Itoa(l.Port)), l.Comm, l.PID)
}

// Loopback reports whether only this machine can reach the socket.
func (l Listener) Loopback() bool { return l.Addr.IsLoopback() }

// Listeners returns the sockets that accept connections, held by the given processes, read from
// /proc/net (all addresses, including 0.0.0.0 and ::) and matched to processes by socket inode.
func Listeners(pids []int) ([]Listener, error) {
	owner := map[string]int{} // socket inode -> pid
	for _, pid := range pids {
		fds, err := os.ReadDir(filepath.Join("/proc", strconv.Itoa(pid), "fd"))
		if err != nil {
			continue // exited meanwhile
		}
		for _, fd := range fds {
			target, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(pid), "fd", fd.Name()))
			if err == nil && strings.HasPrefix(target, "socket:[") {
				owner[strings.TrimSuffix(strings.TrimPrefix(target, "socket:["), "]")] = pid
			}
		}
	}
	comm := map[int]string{}
	for _, p := range procfs.List() {
		comm[p.PID] = p.Comm
	}
	var out []Listener
	for _, proto := range []string{"tcp", "tcp6", "udp", "udp6"} {
		entries, err := readProcNet(proto)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			// TCP state 0A is LISTEN; an unconnected UDP socket (07) is the closest UDP has to one.
			if (strings.HasPrefix(proto, "tcp") && e.state != "0A") || (strings.HasPrefix(proto, "udp") && e.state != "07") {
				continue
			}
			if pid, ok := owner[e.inode]; ok {
				out = append(out, Listener{Proto: proto, Addr: e.ip, Port: e.port, PID: pid, Comm: comm[pid]})
			}
		}
	}
	return out, nil
}

type procNetEntry struct {
	ip    net.IP
	port  int
	state string
	inode string
}

// readProcNet parses /proc/net/{tcp,tcp6,udp,udp6}: "sl local_address rem_address st ... inode".
func readProcNet(proto string) ([]procNetEntry, error) {
	f, err := os.Open(filepath.Join("/proc/net", proto))
	if err != nil {
		if os.IsNotExist(err) { // no IPv6 in this kernel
			return nil, nil
		}
		return nil, err
	}
	defer f.Close()
	var out []procNetEntry
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 10 {
			continue
		}
		ip, port, err := parseHexAddr(fields[1])
		if err != nil {
			return nil, fmt.Errorf("parse /proc/net/%s: %w", proto, err)
		}
		out = append(out, procNetEntry{ip: ip, port: port, state: fields[3], inode: fields[9]})
	}
	return out, sc.Err()
}

// parseHexAddr decodes "0100007F:1F90": the address as 32-bit words in host (little-endian) order.
func parseHexAddr(s string) (net.IP, int, error) {
	host, portHex, ok := strings.Cut(s, ":")
	if !ok {
		return nil, 0, fmt.Errorf("bad address %q", s)
	}
	raw, err := hex.DecodeString(host)
	if err != nil || (len(raw) != 4 && len(raw) != 16) {
		return nil, 0, fmt.Errorf("bad address %q", s)
	}
	for i := 0; i < len(raw); i += 4 {
		raw[i], raw[i+1], raw[i+2], raw[i+3] = raw[i+3], raw[i+2], raw[i+1], raw[i]
	}
	port, err := strconv.ParseUint(portHex, 16, 16)
	if err != nil {
		return nil, 0, fmt.Errorf("bad port in %q", s)
	}
	return net.IP(raw), int(port), nil
}
