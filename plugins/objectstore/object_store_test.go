package objectstore

import (
	"bytes"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/metadata"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/metadata/metadatatest"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/oss"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/objectstore/bslconfig"
)

// A location exactly as the existing plugin's users have it (a zone, no region, network internal) and
// velero server with ALIBABA_CLOUD_ENCRYPTION_KEY_ID: the plugin takes the node's region from the ECS
// metadata service and encrypts with the key, and says so once per Init.
func TestInitOfALocationWrittenForTheExistingPlugin(t *testing.T) {
	const kmsKey = "key-hzz62f1cb66fa42qo6fu7"
	md := metadatatest.NewServer(t, metadatatest.Options{Region: "cn-shenzhen"})
	var got []oss.Config
	deps := DefaultDependencies()
	deps.NewClient = func(c oss.Config) (oss.Client, error) { got = append(got, c); return newMemoryOSS(), nil }
	deps.Environment = bslconfig.Environment{
		Getenv:         vars(bslconfig.EnvEncryptionKeyID, kmsKey),
		MetadataRegion: func() (string, error) { return metadata.New(md.URL).Region(t.Context()) },
	}
	log, hook := logtest.NewNullLogger()
	log.SetLevel(logrus.DebugLevel)
	store := New(log, deps)
	config := map[string]string{"bucket": "cnfs-oss-b", "zone": "cn-shenzhen-e", "network": "internal", "credentialsFile": credentialsFile(t)}

	for init := 1; init <= 2; init++ {
		hook.Reset()
		require.NoError(t, store.Init(config))
		c := got[len(got)-1]
		assert.Equal(t, "cn-shenzhen", c.Region)
		assert.Equal(t, "https://oss-cn-shenzhen-internal.aliyuncs.com", c.Endpoint)
		assert.Equal(t, "https://oss-cn-shenzhen.aliyuncs.com", c.SignEndpoint)
		assert.Equal(t, oss.Encryption{Algorithm: "KMS", KMSKeyID: kmsKey}, c.Encryption)

		warnings := entries(hook, logrus.WarnLevel)
		require.Len(t, warnings, 1, "one warning per Init")
		assert.Contains(t, warnings[0], `config key "region" is not set: using region cn-shenzhen of this node, from the ECS metadata service; set "region"`)
		infos := entries(hook, logrus.InfoLevel)
		require.Len(t, infos, 2, "zone and encryption, once each per Init: %q", infos)
		assert.Contains(t, infos[0], `config key "zone" is accepted for locations written for the existing Alibaba plugin and ignored`)
		assert.Contains(t, infos[1], "SSE-KMS using key "+kmsKey+" from ALIBABA_CLOUD_ENCRYPTION_KEY_ID")
		for _, e := range hook.AllEntries() {
			line, _ := e.String()
			assert.NotContains(t, line, "test-secret-value")
		}
	}
	assert.Equal(t, int64(2), md.RegionLookups(), "this bslconfig.Environment asks each time; bslconfig.DefaultEnvironment remembers")
}

func TestInitWithoutRegionOffECS(t *testing.T) {
	deps := DefaultDependencies()
	var got oss.Config
	deps.NewClient = func(c oss.Config) (oss.Client, error) { got = c; return newMemoryOSS(), nil }
	deps.Environment = bslconfig.Environment{MetadataRegion: func() (string, error) { panic("notOnECS: not asked") }}
	log, hook := logtest.NewNullLogger()
	require.NoError(t, New(log, deps).Init(map[string]string{"bucket": "cnfs-oss-b", "notOnECS": "true", "credentialsFile": credentialsFile(t)}))
	assert.Equal(t, "cn-hangzhou", got.Region)
	assert.Equal(t, "https://oss-cn-hangzhou.aliyuncs.com", got.Endpoint)
	warnings := entries(hook, logrus.WarnLevel)
	require.Len(t, warnings, 1)
	assert.Contains(t, warnings[0], `config key "region" is not set and notOnECS is true: using region cn-hangzhou, the existing Alibaba plugin's default; set "region"`)
	assert.Empty(t, entries(hook, logrus.InfoLevel), "no zone, no encryption variable: nothing to say")
}

// The URLs `velero backup logs` and `velero backup download` fetch on a workstation, as the real client
// signs them: never on the in-region VPC endpoint unless publicEndpoint says so.
func TestSignedURLHosts(t *testing.T) {
	tests := []struct {
		name     string
		config   map[string]string
		wantHost string
	}{
		{"network internal", map[string]string{"region": "cn-shenzhen", "network": "internal"}, "cnfs-oss-b.oss-cn-shenzhen.aliyuncs.com"},
		{"network internal, v1 signatures", map[string]string{"region": "cn-shenzhen", "network": "internal", "signatureVersion": "v1"}, "cnfs-oss-b.oss-cn-shenzhen.aliyuncs.com"},
		{"internal endpoint", map[string]string{"endpoint": "https://oss-cn-beijing-internal.aliyuncs.com"}, "cnfs-oss-b.oss-cn-beijing.aliyuncs.com"},
		{"network public", map[string]string{"region": "cn-shenzhen"}, "cnfs-oss-b.oss-cn-shenzhen.aliyuncs.com"},
		{"network accelerate", map[string]string{"region": "cn-shenzhen", "network": "accelerate"}, "cnfs-oss-b.oss-accelerate.aliyuncs.com"},
		{"publicEndpoint", map[string]string{"region": "cn-shenzhen", "network": "internal", "publicEndpoint": "https://backup.example.com"}, "cnfs-oss-b.backup.example.com"},
		{"custom endpoint", map[string]string{"region": "cn-shenzhen", "endpoint": "http://127.0.0.1:9400"}, "127.0.0.1:9400"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			deps := DefaultDependencies()
			deps.Environment = bslconfig.Environment{}
			tt.config["bucket"], tt.config["credentialsFile"] = "cnfs-oss-b", credentialsFile(t)
			store := New(logrus.New(), deps)
			require.NoError(t, store.Init(tt.config))
			signed, err := store.CreateSignedURL("cnfs-oss-b", "backups/b1/b1-logs.gz", 10*time.Minute)
			require.NoError(t, err)
			u, err := url.Parse(signed)
			require.NoError(t, err)
			assert.Equal(t, tt.wantHost, u.Host)
			assert.Contains(t, u.Path, "backups/b1/b1-logs.gz")
			assert.NotContains(t, signed, "test-secret-value")
		})
	}
}

func TestPutObjectReadsAShortRestToTheEnd(t *testing.T) {
	store, hook, client := storeWithDrain(t, drainer{maxBytes: 8 << 20, after: never})
	client.putFailsAfter = 1 << 20
	body := bytes.NewReader(make([]byte, 3<<20))
	err := store.PutObject("cnfs-oss-b", "backups/b1/b1.tar.gz", body)
	require.ErrorContains(t, err, "upload backup files to OSS bucket failed")
	assert.Zero(t, body.Len(), "Velero's stream is read to its end, so Velero reports this error")
	assert.Empty(t, entries(hook, logrus.ErrorLevel))
}

func TestPutObjectStopsDrainingAtTheSizeBound(t *testing.T) {
	store, hook, client := storeWithDrain(t, drainer{maxBytes: 4 << 20, after: never})
	client.putFailsAfter = 1 << 20
	body := &endlessReader{}
	err := returnsWithin(t, time.Minute, func() error { return store.PutObject("cnfs-oss-b", "backups/b1/b1.tar.gz", body) })
	require.ErrorContains(t, err, "upload backup files to OSS bucket failed")
	assert.Equal(t, int64(1<<20+4<<20), body.n.Load(), "the upload's MiB, then exactly the drain bound")
	logged := entries(hook, logrus.ErrorLevel)
	require.Len(t, logged, 1)
	assert.Contains(t, logged[0], "stopped reading the rest of Velero's stream at 4 MiB")
	assert.Contains(t, logged[0], "InternalError", "the log keeps the error Velero may not see")
}

func TestPutObjectStopsDrainingAtTheTimeBound(t *testing.T) {
	fire := make(chan time.Time)
	store, hook, client := storeWithDrain(t, drainer{maxBytes: 8 << 20, maxTime: 30 * time.Second,
		after: func(time.Duration) <-chan time.Time { return fire }})
	client.putFailsAfter = 0
	body := &stalledReader{head: []byte("first bytes"), release: make(chan struct{})}
	t.Cleanup(func() { close(body.release) })
	done := make(chan error, 1)
	go func() { done <- store.PutObject("cnfs-oss-b", "backups/b1/b1.tar.gz", body) }()
	select {
	case fire <- time.Now(): // only a drain waiting on its timer takes this
	case err := <-done:
		require.Failf(t, "PutObject returned before its time bound", "%v", err)
	case <-time.After(time.Minute):
		require.FailNow(t, "PutObject never waited on the time bound")
	}
	err := returnsWithin(t, time.Minute, func() error { return <-done })
	require.ErrorContains(t, err, "upload backup files to OSS bucket failed")
	logged := entries(hook, logrus.ErrorLevel)
	require.Len(t, logged, 1)
	assert.Contains(t, logged[0], "or 30s, whichever came first")
}

func storeWithDrain(t *testing.T, d drainer) (*ObjectStore, *logtest.Hook, *memoryOSS) {
	t.Helper()
	client := newMemoryOSS()
	deps := DefaultDependencies()
	deps.Environment = bslconfig.Environment{}
	deps.NewClient = func(oss.Config) (oss.Client, error) { return client, nil }
	log, hook := logtest.NewNullLogger()
	store := New(log, deps)
	require.NoError(t, store.Init(map[string]string{"bucket": "cnfs-oss-b", "region": "cn-hangzhou", "credentialsFile": credentialsFile(t)}))
	store.drain = d
	return store, hook, client
}

func never(time.Duration) <-chan time.Time { return nil }

// returnsWithin runs f and fails the test if it has not returned after timeout: generous, because it
// only tells a hang from an answer.
func returnsWithin(t *testing.T, timeout time.Duration, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(timeout):
		require.FailNow(t, "did not return within "+timeout.String())
		return nil
	}
}

// entries are the messages logged at level, each followed by its fields.
func entries(hook *logtest.Hook, level logrus.Level) []string {
	var out []string
	for _, e := range hook.AllEntries() {
		if e.Level == level {
			out = append(out, fmt.Sprintf("%s %v", e.Message, e.Data))
		}
	}
	return out
}
