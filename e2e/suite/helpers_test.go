//go:build e2e

package suite

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/harness"
)

// ctx is a test's context: cancelled when the test ends, and bounded so a hang fails instead of
// holding the whole suite.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	return c
}

// workload is what each test backs up: a namespace with a ConfigMap whose data is unique to the test, a
// Secret and a Deployment (whose controllers add a ReplicaSet and Pending pods).
const workload = `apiVersion: v1
kind: Namespace
metadata:
  name: %[1]s
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: %[1]s
data:
  owner: %[1]s
  created: "%[2]s"
---
apiVersion: v1
kind: Secret
metadata:
  name: token
  namespace: %[1]s
stringData:
  token: not-a-real-token-%[1]s
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: %[1]s
spec:
  replicas: 1
  selector:
    matchLabels: {app: app}
  template:
    metadata:
      labels: {app: app}
    spec:
      containers:
      - name: app
        image: docker.io/library/busybox:1.36
`

// deployWorkload creates the namespace ns with the test workload in cluster c.
func deployWorkload(t *testing.T, c *harness.Cluster, ns string) {
	t.Helper()
	manifest := fmt.Sprintf(workload, ns, time.Now().UTC().Format(time.RFC3339Nano))
	_, err := c.Kubectl(ctx(t), strings.NewReader(manifest), "apply", "-f", "-")
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = c.Kubectl(context.Background(), nil, "delete", "namespace", ns, "--wait=false") })
}

// settings returns the workload ConfigMap's data in namespace ns of cluster c.
func settings(t *testing.T, c *harness.Cluster, ns string) map[string]string {
	t.Helper()
	cm := &corev1.ConfigMap{}
	require.NoError(t, c.Client.Get(ctx(t), types.NamespacedName{Namespace: ns, Name: "settings"}, cm))
	return cm.Data
}

// backup runs `velero backup create NAME ARGS... --wait` in cluster c and requires it to complete.
func backup(t *testing.T, c *harness.Cluster, name string, args ...string) *velerov1.Backup {
	t.Helper()
	_, err := c.Velero(ctx(t), append([]string{"backup", "create", name, "--wait"}, args...)...)
	require.NoError(t, err)
	b, err := c.Backup(ctx(t), name)
	require.NoError(t, err)
	require.NoError(t, harness.BackupCompleted(b))
	return b
}

// restore runs `velero restore create NAME --from-backup BACKUP ARGS... --wait` and requires it to complete.
func restore(t *testing.T, c *harness.Cluster, name, from string, args ...string) *velerov1.Restore {
	t.Helper()
	_, err := c.Velero(ctx(t), append([]string{"restore", "create", name, "--from-backup", from, "--wait"}, args...)...)
	require.NoError(t, err)
	r, err := c.Restore(ctx(t), name)
	require.NoError(t, err)
	require.NoError(t, harness.RestoreCompleted(r))
	return r
}

// keys lists the object keys under prefix in bucket, as the emulator stores them.
func keys(t *testing.T, bucket, prefix string) []string {
	t.Helper()
	objs, err := env.cloud.Objects(ctx(t), bucket, prefix)
	require.NoError(t, err)
	out := make([]string, 0, len(objs))
	for _, o := range objs {
		out = append(out, o.Key)
	}
	return out
}

// backupKeys are the objects Velero writes for a backup with no volumes.
func backupKeys(prefix, name string) []string {
	p := prefix + "backups/" + name + "/"
	return []string{
		p + name + "-itemoperations.json.gz", p + name + "-logs.gz", p + name + "-podvolumebackups.json.gz",
		p + name + "-resource-list.json.gz", p + name + "-results.gz", p + name + "-volumeinfo.json.gz",
		p + name + "-volumesnapshots.json.gz", p + name + ".tar.gz", p + "velero-backup.json",
	}
}

// eventually polls cond until it holds or the timeout passes, then fails with its last message.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, msg := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			assert.Fail(t, "timed out after "+timeout.String()+" waiting for "+what, msg)
			t.FailNow()
		}
		time.Sleep(500 * time.Millisecond)
	}
}
