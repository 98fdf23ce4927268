package legacybackup

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vmware-tanzu/velero/pkg/archive"
	"github.com/vmware-tanzu/velero/pkg/util/filesystem"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// extracted is the tarball of the fixture's backup as Velero 1.18.3's restore extracts it.
func extracted(t *testing.T) (dir string, objs []*unstructured.Unstructured) {
	t.Helper()
	b := appBackup(t, "shop-2021", diskSnapshots)
	v := writeApp(t, "", b)
	logger := logrus.New()
	logger.SetOutput(io.Discard)
	dir, err := archive.NewExtractor(logger, filesystem.NewFileSystem()).
		UnzipAndExtractBackup(bytes.NewReader(v.objects["backups/shop-2021/shop-2021.tar.gz"]))
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir, b.Objects
}

func TestRestoreParsesTheTarball(t *testing.T) {
	dir, _ := extracted(t)
	logger := logrus.New()
	logger.SetOutput(io.Discard)
	resources, err := archive.NewParser(logger, filesystem.NewFileSystem()).Parse(dir)
	require.NoError(t, err)

	got := map[string]map[string][]string{}
	for gr, items := range resources {
		assert.Equal(t, gr, items.GroupResource)
		got[gr] = items.ItemsByNamespace
	}
	ns := func(names ...string) map[string][]string { return map[string][]string{AppNamespace: names} }
	assert.Equal(t, map[string]map[string][]string{
		"configmaps":               ns("web-config"),
		"controllerrevisions.apps": ns("db-5f7c8d9b4"),
		"cronjobs.batch":           ns("report"),
		"deployments.apps":         ns("web"),
		// The parser lists a directory's files in name order: "web-internal.json" < "web.json".
		"endpoints":                   ns("db", "web-internal", "web"),
		"ingresses.extensions":        ns("web"),
		"ingresses.networking.k8s.io": ns("web"),
		"jobs.batch":                  ns("report-1615771800"),
		"namespaces":                  {"": {AppNamespace}},
		"persistentvolumeclaims":      ns("data-db-0", "files", "shared"),
		"persistentvolumes":           {"": {"d-bp1legacy0000000001", "d-bp1legacy0000000002", "nas-legacy-files"}},
		"pods":                        ns("db-0", "debug", "report-1615771800-k9z4q", "web-6c9f8d7b5d-7xk2p"),
		"replicasets.apps":            ns("web-6c9f8d7b5d"),
		"secrets":                     ns("app-credentials", "default-token-x2v7k", "web-tls"),
		"serviceaccounts":             ns("default"),
		"services":                    ns("db", "web-internal", "web"),
		"statefulsets.apps":           ns("db"),
	}, got)
}

func TestRestoreReadsEveryItemFromBothPaths(t *testing.T) {
	dir, objs := extracted(t)
	fs := filesystem.NewFileSystem()
	for _, obj := range objs {
		it, err := itemFor(obj)
		require.NoError(t, err)
		t.Run(it.listKey()+" "+it.listEntry(), func(t *testing.T) {
			// Without EnableAPIGroupVersions a restore reads the unversioned path; with it, the
			// version directory it chose, here the only one there is.
			for _, path := range []string{
				archive.GetItemFilePath(dir, it.groupResource, obj.GetNamespace(), obj.GetName()),
				archive.GetVersionedItemFilePath(dir, it.groupResource, obj.GetNamespace(), obj.GetName(), it.gvk.Version+"-preferredversion"),
			} {
				got, err := archive.Unmarshal(fs, path)
				require.NoError(t, err)
				assert.Equal(t, obj.Object, got.Object, "%s holds the object as the API server returned it", path)
			}
		})
	}
}

func TestRestoreSeesTheSourceClustersPreferredVersions(t *testing.T) {
	dir, objs := extracted(t)
	logger := logrus.New()
	logger.SetOutput(io.Discard)
	groups, err := archive.NewParser(logger, filesystem.NewFileSystem()).ParseGroupVersions(dir)
	require.NoError(t, err)
	for _, obj := range objs {
		it, err := itemFor(obj)
		require.NoError(t, err)
		g, ok := groups[it.groupResource]
		require.True(t, ok, it.groupResource)
		assert.Equal(t, obj.GetAPIVersion(), g.PreferredVersion.GroupVersion, it.groupResource)
		require.Len(t, g.Versions, 1, "Velero without EnableAPIGroupVersions wrote one version per resource")
	}
}

func TestTarballEntriesAreVelerosHeaders(t *testing.T) {
	v := writeApp(t, "", appBackup(t, "shop-2021", nil))
	gz, err := gzip.NewReader(bytes.NewReader(v.objects["backups/shop-2021/shop-2021.tar.gz"]))
	require.NoError(t, err)
	tr := tar.NewReader(gz)
	var names []string
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		names = append(names, hdr.Name)
		assert.Equal(t, byte(tar.TypeReg), hdr.Typeflag, hdr.Name)
		assert.Equal(t, int64(0o755), hdr.Mode, hdr.Name)
		assert.Equal(t, "2021-03-15T02:00:01Z", rfc3339(hdr.ModTime), hdr.Name)
		data, err := io.ReadAll(tr)
		require.NoError(t, err)
		if hdr.Name == "metadata/version" {
			assert.Equal(t, "1.1.0\n", string(data))
		} else {
			assert.NotContains(t, string(data), "\n", "%s: compact JSON, as json.Marshal wrote it", hdr.Name)
		}
	}
	require.Len(t, names, 1+2*30, "the version file and each of the 30 items at two paths")
	assert.Equal(t, "metadata/version", names[0])
	assert.Contains(t, names, "resources/ingresses.extensions/v1beta1-preferredversion/namespaces/legacy-shop/web.json")
	assert.Contains(t, names, "resources/ingresses.extensions/namespaces/legacy-shop/web.json")
	assert.Contains(t, names, "resources/cronjobs.batch/v1beta1-preferredversion/namespaces/legacy-shop/report.json")
	assert.Contains(t, names, "resources/persistentvolumes/v1-preferredversion/cluster/d-bp1legacy0000000001.json")
	assert.Contains(t, names, "resources/persistentvolumes/cluster/d-bp1legacy0000000001.json")
	assert.Contains(t, names, "resources/namespaces/cluster/legacy-shop.json")
	for _, n := range names {
		assert.False(t, filepath.IsAbs(n), n)
	}
}
