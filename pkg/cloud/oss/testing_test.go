package oss_test

import (
	"context"
	"crypto/sha256"
	"hash/crc64"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/emulatortest"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/credentials"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/oss"
)

const (
	testBucket = "cnfs-oss-test"
	testAK     = "LTAI-test-key"
	testSK     = "test-secret-value"
)

type staticCreds credentials.Credentials

func (s staticCreds) Credentials(context.Context) (credentials.Credentials, error) {
	return credentials.Credentials(s), nil
}

func newEmulator(t *testing.T) *emulatortest.Server {
	t.Helper()
	return emulatortest.NewServer(t, emulator.Options{
		Credentials: []emulator.Credential{{AccessKeyID: testAK, AccessKeySecret: testSK}},
		Buckets:     []string{testBucket},
	})
}

func newClient(t *testing.T, url string, mutate ...func(*oss.Config)) oss.Client {
	t.Helper()
	cfg := oss.Config{
		Region: "cn-hangzhou", Endpoint: url, SignatureVersion: 4,
		Credentials:      staticCreds{AccessKeyID: testAK, AccessKeySecret: testSK},
		RetryMaxAttempts: 3,
	}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := oss.New(cfg)
	require.NoError(t, err)
	return c
}

// randomStream yields n pseudo-random bytes through a plain io.Reader (no Seek, no ReaderAt, no size),
// like the tarball stream Velero hands a plugin, and records their SHA-256 and CRC-64 as they are read.
type randomStream struct {
	left int64
	rng  *rand.ChaCha8
	sha  hashWriter
	crc  hashWriter
}

type hashWriter interface {
	io.Writer
	Sum([]byte) []byte
}

func newRandomStream(n int64, seed byte) *randomStream {
	var s [32]byte
	s[0] = seed
	return &randomStream{left: n, rng: rand.NewChaCha8(s), sha: sha256.New(), crc: crc64.New(crc64.MakeTable(crc64.ECMA))}
}

func (r *randomStream) Read(p []byte) (int, error) {
	if r.left == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	n, _ := r.rng.Read(p)
	r.left -= int64(n)
	r.sha.Write(p[:n])
	r.crc.Write(p[:n])
	return n, nil
}

func (r *randomStream) digest() ([]byte, uint64) {
	c := r.crc.Sum(nil)
	var v uint64
	for _, b := range c {
		v = v<<8 | uint64(b)
	}
	return r.sha.Sum(nil), v
}

func digestOf(t *testing.T, rc io.ReadCloser) ([]byte, uint64, int64) {
	t.Helper()
	defer rc.Close()
	sha, crc := sha256.New(), crc64.New(crc64.MakeTable(crc64.ECMA))
	n, err := io.Copy(io.MultiWriter(sha, crc), rc)
	require.NoError(t, err)
	return sha.Sum(nil), crc.Sum64(), n
}
