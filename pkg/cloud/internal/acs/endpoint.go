package acs

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// SplitEndpoint turns "https://x.example.com", "http://127.0.0.1:9000" or "x.example.com" into the host
// and protocol darabonba-openapi wants; service names the client in errors.
func SplitEndpoint(service, endpoint string) (host, protocol string, err error) {
	if !strings.Contains(endpoint, "://") {
		return endpoint, "HTTPS", nil
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return "", "", fmt.Errorf("%s endpoint %q: want host[:port] or scheme://host[:port]", service, endpoint)
	}
	switch u.Scheme {
	case "http":
		return u.Host, "HTTP", nil
	case "https":
		return u.Host, "HTTPS", nil
	}
	return "", "", fmt.Errorf("%s endpoint %q: scheme must be http or https", service, endpoint)
}

// IsLoopback tells an emulator's endpoint, which a proxy from the environment must not catch.
func IsLoopback(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
