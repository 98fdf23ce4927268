package oss_test

import (
	"context"
	"encoding/pem"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/oss"
)

// A private CA (caCert) is trusted, an untrusted certificate is refused, and insecureSkipTLSVerify is
// the explicit way around it.
func TestTLSTrust(t *testing.T) {
	em, err := emulator.New(emulator.Options{
		Credentials: []emulator.Credential{{AccessKeyID: testAK, AccessKeySecret: testSK}},
		Buckets:     []string{testBucket},
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = em.Close() })
	srv := httptest.NewTLSServer(em.Handler())
	t.Cleanup(srv.Close)
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})

	tests := []struct {
		name   string
		mutate func(*oss.Config)
		ok     bool
	}{
		{"system roots only", func(*oss.Config) {}, false},
		{"caCert", func(c *oss.Config) { c.CACert = caPEM }, true},
		{"insecureSkipTLSVerify", func(c *oss.Config) { c.InsecureSkipTLSVerify = true }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, srv.URL, func(c *oss.Config) { c.RetryMaxAttempts = 1 }, tt.mutate)
			err := c.PutObject(context.Background(), testBucket, "k", strings.NewReader("v"))
			if tt.ok {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, cloud.ErrUnavailable)
			assert.Contains(t, err.Error(), "certificate")
		})
	}

	_, err = oss.New(oss.Config{Credentials: staticCreds{}, CACert: []byte("not pem")})
	assert.ErrorContains(t, err, "caCert holds no PEM certificate")
}
