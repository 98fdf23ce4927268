package oss_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/oss"
)

// Signed URLs name SignEndpoint, which may be spelled differently from the endpoint data goes to (here
// the same emulator as an IPv4-mapped IPv6 address), and a plain GET of them works.
func TestSignedURLNamesTheSignEndpoint(t *testing.T) {
	for _, v := range []int{1, 4} {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			em := newEmulator(t)
			u, err := url.Parse(em.URL)
			require.NoError(t, err)
			signHost := "[::ffff:127.0.0.1]:" + u.Port()
			c := newClient(t, em.URL, func(cfg *oss.Config) {
				cfg.SignatureVersion = v
				cfg.SignEndpoint = "http://" + signHost
			})
			ctx := context.Background()
			require.NoError(t, c.PutObject(ctx, testBucket, "backups/b1/b1-logs.gz", strings.NewReader("log lines")))

			signed, err := c.SignedURL(ctx, testBucket, "backups/b1/b1-logs.gz", time.Minute)
			require.NoError(t, err)
			su, err := url.Parse(signed)
			require.NoError(t, err)
			assert.Equal(t, signHost, su.Host)
			assert.NotContains(t, signed, testSK)

			resp, err := http.Get(signed)
			require.NoError(t, err)
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			assert.Equal(t, http.StatusOK, resp.StatusCode, string(body))
			assert.Equal(t, "log lines", string(body))
		})
	}
}

// Server-side encryption is asked for on every object, whether it goes up in one PUT or in parts.
func TestEncryptionOnEveryUpload(t *testing.T) {
	const part = 1 << 20
	tests := []struct {
		name string
		enc  oss.Encryption
	}{
		{"KMS with a key", oss.Encryption{Algorithm: "KMS", KMSKeyID: "key-hzz62f1cb66fa42qo6fu7"}},
		{"KMS with the service key", oss.Encryption{Algorithm: "KMS"}},
		{"AES256", oss.Encryption{Algorithm: "AES256"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			em := newEmulator(t)
			c := newClient(t, em.URL, func(cfg *oss.Config) { cfg.Encryption = tt.enc; cfg.PartSize = part })
			for _, size := range []int64{10, 3*part + 5} {
				key := fmt.Sprintf("backups/b1/%d", size)
				require.NoError(t, c.PutObject(context.Background(), testBucket, key, newRandomStream(size, 1)))
				info, err := em.OSS().ObjectInfo(testBucket, key)
				require.NoError(t, err)
				assert.Equal(t, tt.enc.Algorithm, info.ServerSideEncryption, "size %d", size)
				assert.Equal(t, tt.enc.KMSKeyID, info.ServerSideEncryptionKeyID, "size %d", size)
			}
		})
	}
}
