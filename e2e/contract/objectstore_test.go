// Package contract drives the real plugin binary through Velero's own plugin manager and gRPC client,
// the path `velero server` uses, against the emulator.
package contract

import (
	"bytes"
	"crypto/rand"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/emulatortest"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/pluginhost"
)

func TestMain(m *testing.M) {
	pluginhost.ServeIfAskedByVelero()
	os.Exit(m.Run())
}

const bucket = "cnfs-oss-contract"

// writeCredentialsFile writes a secret file in the format users already have for the Alibaba plugin.
func writeCredentialsFile(t *testing.T, ak, sk string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cloud")
	body := "ALIBABA_CLOUD_ACCESS_KEY_ID=" + ak + "\nALIBABA_CLOUD_ACCESS_KEY_SECRET=" + sk + "\n"
	require.NoError(t, os.WriteFile(path, []byte(body), 0o600))
	return path
}

func locationConfig(em *emulatortest.Server, credsFile string) map[string]string {
	return map[string]string{
		"bucket": bucket, "prefix": "cluster-a", "region": "cn-hangzhou",
		"endpoint": em.URL, "credentialsFile": credsFile, "notOnECS": "true",
		"uploadPartSize": "1Mi",
	}
}

func newLogger() (*logrus.Logger, *syncWriter) {
	w := &syncWriter{w: &bytes.Buffer{}}
	log := logrus.New()
	log.SetOutput(w)
	return log, w
}

func TestObjectStoreThroughVeleroGRPC(t *testing.T) {
	em := emulatortest.NewServer(t, emulator.Options{
		Credentials: []emulator.Credential{{AccessKeyID: "ak-contract", AccessKeySecret: "sk-contract"}},
		Buckets:     []string{bucket},
	})
	serveFakeAPI(t, &fakeAPI{})
	log, _ := newLogger()
	mgr := pluginhost.NewManager(t, log)

	// "alibabacloud" is what users type; Velero resolves it to velero.io/alibabacloud.
	store, err := mgr.GetObjectStore("alibabacloud")
	require.NoError(t, err)
	require.NoError(t, store.Init(locationConfig(em, writeCredentialsFile(t, "ak-contract", "sk-contract"))))

	// 3 MiB + 1 byte with a 1 MiB part size: a multipart upload through the gRPC byte stream.
	data := make([]byte, 3<<20+1)
	_, _ = rand.Read(data)
	key := "cluster-a/backups/b1/b1.tar.gz"
	require.NoError(t, store.PutObject(bucket, key, bytes.NewReader(data)))
	require.NoError(t, store.PutObject(bucket, "cluster-a/backups/b1/velero-backup.json", bytes.NewReader([]byte(`{}`))))

	ok, err := store.ObjectExists(bucket, key)
	require.NoError(t, err)
	assert.True(t, ok)
	ok, err = store.ObjectExists(bucket, "cluster-a/backups/b2/velero-backup.json")
	require.NoError(t, err)
	assert.False(t, ok)

	dirs, err := store.ListCommonPrefixes(bucket, "cluster-a/", "/")
	require.NoError(t, err)
	// A vault shared by clusters keeps its index under plugins/, a directory Velero's location
	// validation allows, and b1's metadata names this cluster, read from the API server, as its source.
	assert.Equal(t, []string{"cluster-a/backups/", "cluster-a/plugins/"}, dirs)
	meta, err := store.GetObject(bucket, "cluster-a/backups/b1/velero-backup.json")
	require.NoError(t, err)
	metaJSON, err := io.ReadAll(meta)
	require.NoError(t, err)
	require.NoError(t, meta.Close())
	assert.Contains(t, string(metaJSON), `"csdr.io/source-cluster":"`+fakeClusterIdentity+`"`)
	keys, err := store.ListObjects(bucket, "cluster-a/backups/b1/")
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{key, "cluster-a/backups/b1/velero-backup.json"}, keys)

	rc, err := store.GetObject(bucket, key)
	require.NoError(t, err)
	got, err := io.ReadAll(rc)
	require.NoError(t, err)
	require.NoError(t, rc.Close())
	assert.True(t, bytes.Equal(data, got), "downloaded bytes differ")

	url, err := store.CreateSignedURL(bucket, key, 10*time.Minute)
	require.NoError(t, err)
	resp, err := http.Get(url)
	require.NoError(t, err)
	viaURL, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.True(t, bytes.Equal(data, viaURL), "signed URL serves other bytes")

	require.NoError(t, store.DeleteObject(bucket, key))
	require.NoError(t, store.DeleteObject(bucket, key), "deleting twice succeeds")
	ok, err = store.ObjectExists(bucket, key)
	require.NoError(t, err)
	assert.False(t, ok)

	uploads, err := em.OSS().ListUploads(bucket)
	require.NoError(t, err)
	assert.Empty(t, uploads)
}

func TestLocationErrorsSayWhatIsWrong(t *testing.T) {
	em := emulatortest.NewServer(t, emulator.Options{
		Credentials: []emulator.Credential{{AccessKeyID: "ak-contract", AccessKeySecret: "sk-contract"}},
		Buckets:     []string{bucket},
	})
	log, _ := newLogger()
	mgr := pluginhost.NewManager(t, log)
	good := writeCredentialsFile(t, "ak-contract", "sk-contract")

	initErrors := []struct {
		name   string
		mutate func(map[string]string)
		want   []string
	}{
		{"unknown key", func(c map[string]string) { c["s3Url"] = "http://x" }, []string{`unknown config key "s3Url"`, "valid keys are:", "network"}},
		{"bad network", func(c map[string]string) { c["network"] = "vpc" }, []string{`config key "network"`, "public, internal, accelerate"}},
		{"no bucket", func(c map[string]string) { delete(c, "bucket") }, []string{`config key "bucket" is required`}},
	}
	for _, tt := range initErrors {
		t.Run(tt.name, func(t *testing.T) {
			store, err := mgr.GetObjectStore("alibabacloud")
			require.NoError(t, err)
			cfg := locationConfig(em, good)
			tt.mutate(cfg)
			err = store.Init(cfg)
			require.Error(t, err)
			for _, s := range tt.want {
				assert.Contains(t, err.Error(), s)
			}
		})
	}

	// What Velero's location validation calls: ListCommonPrefixes on the location's prefix.
	availability := []struct {
		name   string
		bucket string
		creds  string
		want   []string
	}{
		{"bucket does not exist", "cnfs-oss-missing", good,
			[]string{"VaultError: backup vault is unavailable:", `bucket "cnfs-oss-missing" does not exist`, "NoSuchBucket", "request id"}},
		{"wrong credentials", bucket, writeCredentialsFile(t, "ak-contract", "not-the-secret"),
			[]string{"VaultError: backup vault is unavailable:", "access to bucket", "denied", "SignatureDoesNotMatch"}},
		{"unknown access key", bucket, writeCredentialsFile(t, "ak-nobody", "sk"),
			[]string{"VaultError: backup vault is unavailable:", "denied", "InvalidAccessKeyId"}},
	}
	for _, tt := range availability {
		t.Run(tt.name, func(t *testing.T) {
			store, err := mgr.GetObjectStore("alibabacloud")
			require.NoError(t, err)
			cfg := locationConfig(em, tt.creds)
			cfg["bucket"] = tt.bucket
			require.NoError(t, store.Init(cfg), "Init makes no network call")
			_, err = store.ListCommonPrefixes(tt.bucket, "cluster-a/", "/")
			require.Error(t, err)
			for _, s := range tt.want {
				assert.Contains(t, err.Error(), s)
			}
			err = store.PutObject(tt.bucket, "cluster-a/backups/x/x.json", bytes.NewReader([]byte("{}")))
			require.Error(t, err)
			assert.Contains(t, err.Error(), "upload backup files to OSS bucket failed")
		})
	}

	t.Run("unreachable endpoint", func(t *testing.T) {
		store, err := mgr.GetObjectStore("alibabacloud")
		require.NoError(t, err)
		cfg := locationConfig(em, good)
		cfg["endpoint"] = "http://127.0.0.1:1" // nothing listens on port 1
		require.NoError(t, store.Init(cfg))
		_, err = store.ListCommonPrefixes(bucket, "cluster-a/", "/")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "VaultError: backup vault is unavailable: cannot reach bucket")
	})
}
