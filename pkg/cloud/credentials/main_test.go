package credentials

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// fakeSTSCert is served by the fake STS. credentials-go talks to STS over
// HTTPS with the system roots and no way to pass others, so TestMain makes
// this certificate the only system root of the test binary through
// SSL_CERT_FILE (read once, on first use, on Linux and the BSDs). nil means
// that could not be arranged and the STS tests skip.
var fakeSTSCert *tls.Certificate

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "credentials-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if runtime.GOOS == "linux" {
		if err := trustFakeSTS(dir); err != nil {
			fmt.Fprintln(os.Stderr, "fake STS disabled:", err)
		}
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

func trustFakeSTS(dir string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	template := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "fake sts"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, "fake-sts-ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		return err
	}
	if err := os.Setenv("SSL_CERT_FILE", path); err != nil {
		return err
	}
	fakeSTSCert = &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	return nil
}
