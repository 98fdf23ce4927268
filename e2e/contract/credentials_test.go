package contract

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/emulatortest"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/pluginhost"
)

// Two locations with two credentials files each keep their own keys: each emulator knows only one of
// the key pairs, so a leak between locations fails the calls.
func TestTwoLocationsUseTheirOwnCredentials(t *testing.T) {
	emA := emulatortest.NewServer(t, emulator.Options{
		Credentials: []emulator.Credential{{AccessKeyID: "ak-team-a", AccessKeySecret: "sk-team-a"}},
		Buckets:     []string{bucket},
	})
	emB := emulatortest.NewServer(t, emulator.Options{
		Credentials: []emulator.Credential{{AccessKeyID: "ak-team-b", AccessKeySecret: "sk-team-b"}},
		Buckets:     []string{bucket},
	})
	// Velero gives each use of a location its own plugin manager, hence its own plugin process; both
	// run in one cluster, which the shared vault asks who it is.
	serveFakeAPI(t, &fakeAPI{})
	log, _ := newLogger()
	storeA, err := pluginhost.NewManager(t, log).GetObjectStore("alibabacloud")
	require.NoError(t, err)
	storeB, err := pluginhost.NewManager(t, log).GetObjectStore("alibabacloud")
	require.NoError(t, err)
	require.NoError(t, storeA.Init(locationConfig(emA, writeCredentialsFile(t, "ak-team-a", "sk-team-a"))))
	require.NoError(t, storeB.Init(locationConfig(emB, writeCredentialsFile(t, "ak-team-b", "sk-team-b"))))

	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := 0; i < 20; i++ {
		for name, s := range map[string]interface {
			PutObject(string, string, io.Reader) error
		}{"a": storeA, "b": storeB} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				key := fmt.Sprintf("cluster-a/backups/%s-%d/velero-backup.json", name, i)
				if err := s.PutObject(bucket, key, strings.NewReader("{}")); err != nil {
					errs <- fmt.Errorf("location %s: %w", name, err)
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	keysA, err := emA.OSS().ListKeys(bucket, "cluster-a/backups/")
	require.NoError(t, err)
	keysB, err := emB.OSS().ListKeys(bucket, "cluster-a/backups/")
	require.NoError(t, err)
	assert.Len(t, keysA, 20)
	assert.Len(t, keysB, 20)
	for _, k := range keysA {
		assert.Contains(t, k, "/a-")
	}
}

// Every operation, successful and failing, with sentinel credentials: neither the key ID nor the secret
// may appear in any log line (host or plugin process) or in any error.
func TestCredentialsNeverAppearInLogsOrErrors(t *testing.T) {
	const ak, sk = "AKID-SENTINEL", "SECRET-SENTINEL"
	em := emulatortest.NewServer(t, emulator.Options{
		Credentials: []emulator.Credential{{AccessKeyID: ak, AccessKeySecret: sk}},
		Buckets:     []string{bucket},
	})
	serveFakeAPI(t, &fakeAPI{})
	log, logs := newLogger()
	mgr := pluginhost.NewManager(t, log)
	var errs []error
	record := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}

	store, err := mgr.GetObjectStore("alibabacloud")
	require.NoError(t, err)
	require.NoError(t, store.Init(locationConfig(em, writeCredentialsFile(t, ak, sk))))
	key := "cluster-a/backups/b1/b1.tar.gz"
	record(store.PutObject(bucket, key, bytes.NewReader(make([]byte, 2<<20+3))))
	_, err = store.ObjectExists(bucket, key)
	record(err)
	_, err = store.ListObjects(bucket, "cluster-a/")
	record(err)
	_, err = store.ListCommonPrefixes(bucket, "cluster-a/", "/")
	record(err)
	if rc, err := store.GetObject(bucket, key); err == nil {
		_, _ = io.Copy(io.Discard, rc)
		rc.Close()
	} else {
		record(err)
	}
	url, err := store.CreateSignedURL(bucket, key, time.Minute)
	record(err)
	if err == nil {
		resp, err := http.Get(url)
		require.NoError(t, err)
		resp.Body.Close()
	}
	record(store.DeleteObject(bucket, key))
	require.Empty(t, errs, "the happy path must succeed")

	// Failing calls: a missing bucket, and the same key ID with another secret.
	_, err = store.ListCommonPrefixes("cnfs-oss-missing", "", "/")
	record(err)
	record(store.PutObject("cnfs-oss-missing", "k", strings.NewReader("x")))
	// Over gRPC a download's error arrives with the first read.
	if rc, err := store.GetObject("cnfs-oss-missing", "k"); err == nil {
		_, err = io.Copy(io.Discard, rc)
		rc.Close()
		record(err)
	} else {
		record(err)
	}
	wrong, err := mgr.GetObjectStore("alibabacloud")
	require.NoError(t, err)
	require.NoError(t, wrong.Init(locationConfig(em, writeCredentialsFile(t, ak, "SECRET-SENTINEL-WRONG"))))
	_, err = wrong.ListObjects(bucket, "")
	record(err)
	record(wrong.PutObject(bucket, "k", bytes.NewReader(make([]byte, 3<<20))))
	badFile := writeCredentialsFile(t, ak, "") // a key without its secret
	bad, err := mgr.GetObjectStore("alibabacloud")
	require.NoError(t, err)
	record(bad.Init(locationConfig(em, badFile)))
	require.Len(t, errs, 6, "each failing call reports an error")
	for _, e := range errs {
		assert.NotContains(t, e.Error(), "desc = EOF", "the plugin's own error reaches Velero")
	}

	// Let the plugin's stderr reach the host logger before reading it.
	mgr.CleanupClients()
	captured := logs.String()
	require.NotEmpty(t, captured)
	for _, secret := range []string{ak, sk} {
		assert.NotContains(t, captured, secret, "logs leak a credential")
		for _, e := range errs {
			assert.NotContains(t, e.Error(), secret, "error leaks a credential")
		}
	}
}

type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.String()
}
