package emulator_test

import (
	"context"
	"encoding/base64"
	"errors"
	"hash/crc64"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/emulatortest"
)

const (
	testBucket = "velero-e2e"
	testAK     = "LTAI5tEmulatorTestKey"
	testSK     = "emulator-test-secret"
	stsAK      = "STS.NUemulatorTempKey"
	stsSK      = "sts-test-secret"
	stsToken   = "CAIS-emulator-sts-token"
)

var crcTable = crc64.MakeTable(crc64.ECMA)

// newServer starts an emulator that knows a permanent key and an STS key and has testBucket.
func newServer(t testing.TB, mutate ...func(*emulator.Options)) *emulatortest.Server {
	t.Helper()
	opts := emulator.Options{
		Credentials: []emulator.Credential{
			{AccessKeyID: testAK, AccessKeySecret: testSK},
			{AccessKeyID: stsAK, AccessKeySecret: stsSK, SecurityToken: stsToken, Expiration: time.Now().Add(time.Hour)},
		},
		Buckets: []string{testBucket},
	}
	for _, m := range mutate {
		m(&opts)
	}
	return emulatortest.NewServer(t, opts)
}

// sdkConfig is the configuration the plugin uses, pointed at the emulator.
func sdkConfig(url string, provider credentials.CredentialsProvider) *oss.Config {
	return oss.LoadDefaultConfig().
		WithCredentialsProvider(provider).
		WithRegion("cn-hangzhou").
		WithEndpoint(url)
}

func newClient(url string, mutate ...func(*oss.Config)) *oss.Client {
	cfg := sdkConfig(url, credentials.NewStaticCredentialsProvider(testAK, testSK))
	for _, m := range mutate {
		m(cfg)
	}
	return oss.NewClient(cfg)
}

func v1(cfg *oss.Config) { cfg.WithSignatureVersion(oss.SignatureVersionV1) }

func noRetry(cfg *oss.Config) { cfg.WithRetryMaxAttempts(1) }

// serviceError extracts the OSS error the SDK returned.
func serviceError(t *testing.T, err error) *oss.ServiceError {
	t.Helper()
	require.Error(t, err)
	var se *oss.ServiceError
	require.True(t, errors.As(err, &se), "want *oss.ServiceError, got %T: %v", err, err)
	return se
}

// stream yields n pseudo-random bytes through a bare io.Reader (no Seek, no Len), like the tarball Velero
// hands a plugin, and records their CRC.
type stream struct {
	left int64
	rng  *rand.ChaCha8
	crc  uint64
}

func newStream(n int64, seed byte) *stream {
	var s [32]byte
	s[0] = seed
	return &stream{left: n, rng: rand.NewChaCha8(s)}
}

func (s *stream) Read(p []byte) (int, error) {
	if s.left == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > s.left {
		p = p[:s.left]
	}
	n, _ := s.rng.Read(p)
	s.left -= int64(n)
	s.crc = crc64.Update(s.crc, crcTable, p[:n])
	return n, nil
}

func randomBytes(n int, seed byte) []byte {
	b := make([]byte, n)
	_, _ = io.ReadFull(newStream(int64(n), seed), b)
	return b
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
