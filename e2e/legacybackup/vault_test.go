package legacybackup

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"github.com/vmware-tanzu/velero/pkg/persistence"
	"github.com/vmware-tanzu/velero/pkg/plugin/velero"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/oss"
)

// The e2e test writes through the emulator's OSS client.
var _ ObjectPutter = oss.Client(nil)

// vault is a bucket in memory behind both interfaces: ours to write, Velero's ObjectStore to read.
type vault struct {
	bucket  string
	objects map[string][]byte
	// failKey makes PutObject of that key fail.
	failKey string
}

var errPut = fmt.Errorf("injected put failure")

func newVault(bucket string) *vault { return &vault{bucket: bucket, objects: map[string][]byte{}} }

func (v *vault) PutObject(_ context.Context, bucket, key string, body io.Reader) error {
	if bucket != v.bucket {
		return fmt.Errorf("no bucket %q", bucket)
	}
	if key == v.failKey {
		return errPut
	}
	data, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	v.objects[key] = data
	return nil
}

func (v *vault) keys() []string {
	keys := make([]string, 0, len(v.objects))
	for k := range v.objects {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// veleroStore adapts the vault to velero.ObjectStore, the interface Velero's persistence reads through.
type veleroStore struct{ v *vault }

var _ velero.ObjectStore = veleroStore{}

func (s veleroStore) Init(map[string]string) error { return nil }

func (s veleroStore) PutObject(bucket, key string, body io.Reader) error {
	return s.v.PutObject(context.Background(), bucket, key, body)
}

func (s veleroStore) ObjectExists(bucket, key string) (bool, error) {
	_, ok := s.v.objects[key]
	return ok && bucket == s.v.bucket, nil
}

func (s veleroStore) GetObject(bucket, key string) (io.ReadCloser, error) {
	data, ok := s.v.objects[key]
	if !ok || bucket != s.v.bucket {
		return nil, fmt.Errorf("no object %s/%s", bucket, key)
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}

func (s veleroStore) ListCommonPrefixes(bucket, prefix, delimiter string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, k := range s.v.keys() {
		rest, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue
		}
		if i := strings.Index(rest, delimiter); i >= 0 && !seen[rest[:i]] {
			seen[rest[:i]] = true
			out = append(out, prefix+rest[:i]+delimiter)
		}
	}
	return out, nil
}

func (s veleroStore) ListObjects(bucket, prefix string) ([]string, error) {
	var out []string
	for _, k := range s.v.keys() {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	return out, nil
}

func (s veleroStore) DeleteObject(bucket, key string) error {
	delete(s.v.objects, key)
	return nil
}

// CreateSignedURL names the key, so a test can see which object a download request would fetch.
func (s veleroStore) CreateSignedURL(bucket, key string, _ time.Duration) (string, error) {
	return "mem://" + bucket + "/" + key, nil
}

type storeGetter struct{ store velero.ObjectStore }

func (g storeGetter) GetObjectStore(string) (velero.ObjectStore, error) { return g.store, nil }

// backupStore is Velero 1.18.3's own reader of a backup location, over the vault.
func (v *vault) backupStore(t *testing.T, prefix string) persistence.BackupStore {
	t.Helper()
	location := &velerov1.BackupStorageLocation{Spec: velerov1.BackupStorageLocationSpec{
		Provider: "alibabacloud.com/oss",
		StorageType: velerov1.StorageType{ObjectStorage: &velerov1.ObjectStorageLocation{
			Bucket: v.bucket, Prefix: prefix}},
	}}
	logger := logrus.New()
	logger.SetOutput(io.Discard)
	store, err := persistence.NewObjectBackupStoreGetter(nil).Get(location, storeGetter{veleroStore{v}}, logger)
	require.NoError(t, err)
	return store
}
