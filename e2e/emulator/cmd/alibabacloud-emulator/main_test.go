package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lockedBuffer collects stderr from the server goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "creds")
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

func TestRunServesAndShutsDown(t *testing.T) {
	creds := writeFile(t, "# team keys\nLTAIfile1 file-secret-1\n\nSTS.file2 file-secret-2 file-token\n")
	dataDir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdoutR, stdoutW := io.Pipe()
	var stderr lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-data", dataDir, "-bucket", "bucket-one", "-bucket", "bucket-two",
			"-credentials-file", creds, "-access-key-id", "LTAIflag", "-access-key-secret", "flag-secret",
			"-fault", "op=GetBucketInfo,status=503,count=1", "-latency", "1ms", "-bandwidth", "100000000", "-shared-uplink",
			"-log-level", "debug"}, stdoutW, &stderr)
		_ = stdoutW.Close()
	}()

	line, err := bufio.NewReader(stdoutR).ReadString('\n')
	require.NoError(t, err, "stderr: %s", stderr.String())
	require.Regexp(t, `^listening on http://127\.0\.0\.1:\d+\n$`, line)
	url := strings.TrimSpace(strings.TrimPrefix(line, "listening on "))
	go func() { _, _ = io.Copy(io.Discard, stdoutR) }()

	for _, cred := range []credentials.CredentialsProvider{
		credentials.NewStaticCredentialsProvider("LTAIfile1", "file-secret-1"),
		credentials.NewStaticCredentialsProvider("STS.file2", "file-secret-2", "file-token"),
		credentials.NewStaticCredentialsProvider("LTAIflag", "flag-secret"),
	} {
		c := oss.NewClient(oss.LoadDefaultConfig().WithCredentialsProvider(cred).WithRegion("cn-hangzhou").WithEndpoint(url))
		_, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr("bucket-two"), Key: oss.Ptr("k"), Body: strings.NewReader("v")})
		require.NoError(t, err)
	}
	c := oss.NewClient(oss.LoadDefaultConfig().WithCredentialsProvider(credentials.NewStaticCredentialsProvider("LTAIflag", "flag-secret")).
		WithRegion("cn-hangzhou").WithEndpoint(url).WithRetryMaxAttempts(1))
	_, err = c.GetBucketInfo(ctx, &oss.GetBucketInfoRequest{Bucket: oss.Ptr("bucket-one")})
	var se *oss.ServiceError
	require.True(t, errors.As(err, &se), "the -fault flag is active: %v", err)
	assert.Equal(t, 503, se.StatusCode)

	resp, err := http.Get(url + "/_admin/network")
	require.NoError(t, err)
	var network map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&network))
	_ = resp.Body.Close()
	assert.Equal(t, map[string]any{"latency": "1ms", "bandwidthBytesPerSecond": float64(100000000), "shared": true}, network)

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(15 * time.Second):
		t.Fatal("run did not return after the context was cancelled")
	}
	logs := stderr.String()
	assert.Contains(t, logs, "emulator ready")
	assert.Contains(t, logs, "LTAIfile1")
	for _, secret := range []string{"file-secret-1", "file-secret-2", "file-token", "flag-secret"} {
		assert.NotContains(t, logs, secret, "secrets are never logged")
	}
	_, err = os.Stat(filepath.Join(dataDir, "oss", "buckets", "bucket-two", "bucket.json"))
	assert.NoError(t, err, "state is kept in -data")
}

func TestCheckLoopback(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:9400", "127.0.0.2:1", "[::1]:9400", "localhost:0"} {
		assert.NoError(t, checkLoopback(addr), addr)
	}
	for _, addr := range []string{"0.0.0.0:9400", ":9400", "[::]:9400", "192.0.2.1:9400", "example.com:80", "nonsense"} {
		err := checkLoopback(addr)
		require.Error(t, err, addr)
		assert.Regexp(t, "loopback|invalid -addr", err.Error())
	}
	err := run(context.Background(), []string{"-addr", "0.0.0.0:0", "-access-key-id", "a", "-access-key-secret", "b"}, io.Discard, io.Discard)
	assert.ErrorContains(t, err, "only loopback addresses are allowed")
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"no credentials", nil, "no credentials"},
		{"id without secret", []string{"-access-key-id", "a"}, "go together"},
		{"bad fault", []string{"-access-key-id", "a", "-access-key-secret", "b", "-fault", "op=PutObject,colour=red"}, "unknown key"},
		{"bad credentials line", []string{"-credentials-file", writeFile(t, "ONE TWO THREE FOUR-secret\n")}, "line 1: want ID SECRET [TOKEN], got 4 fields"},
		{"empty credentials file", []string{"-credentials-file", writeFile(t, "# nothing\n")}, "has no keys"},
		{"missing credentials file", []string{"-credentials-file", "/nonexistent/creds"}, "read credentials file"},
		{"negative bandwidth", []string{"-bandwidth", "-1"}, "must not be negative"},
		{"negative ecs duration", []string{"-ecs-snapshot-duration", "-1s"}, "-ecs-disk-duration and -ecs-snapshot-duration must not be negative"},
		{"ecs region without zones", []string{"-access-key-id", "a", "-access-key-secret", "b", "-ecs-regions", `[{"id":"r1"}]`}, "-ecs-regions: ecs regions: region r1 has no zones"},
		{"bad hbr throughput", []string{"-hbr-throughput", "fast"}, "-hbr-throughput: throughput \"fast\""},
		{"negative hbr delay", []string{"-hbr-job-start-delay", "-1s"}, "-hbr-job-start-delay and -hbr-vault-init-delay must not be negative"},
		{"missing ecs regions file", []string{"-access-key-id", "a", "-access-key-secret", "b", "-ecs-regions", "/nonexistent/regions.json"}, "read ecs regions file"},
		{"stray argument", []string{"serve"}, "unexpected arguments"},
		{"bad log level", []string{"-access-key-id", "a", "-access-key-secret", "b", "-log-level", "loud"}, "invalid -log-level"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(context.Background(), append([]string{"-addr", "127.0.0.1:0"}, tt.args...), io.Discard, io.Discard)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.NotContains(t, err.Error(), "FOUR-secret", "secrets never appear in errors")
		})
	}
}
