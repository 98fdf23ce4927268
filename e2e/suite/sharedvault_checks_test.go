//go:build e2e

package suite

import (
	"encoding/json"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/harness"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/datalocation"
)

// describedInB checks `velero backup describe` in cluster b of a backup of cluster a (identity aID):
// the source cluster, and both snapshots of the namespace's volumes, found where they are.
func describedInB(t *testing.T, a, b *harness.Cluster, name, ns, aID string) {
	t.Helper()
	ecsIDs, hbrIDs := ecsSnapshotIDs(t, name), hbrSnapshotIDs(t, a, name)
	require.Len(t, ecsIDs, 1)
	require.Len(t, hbrIDs, 1)
	var described string
	eventually(t, 30*time.Second, "describe to list both snapshots as Exists", func() (bool, string) {
		out, err := b.Velero(ctx(t), "backup", "describe", name)
		require.NoError(t, err)
		described = out
		locs, err := datalocation.Decode(annotationIn(out, v1alpha1.DataLocationsAnnotation))
		if err != nil {
			return false, err.Error() + "\n" + out
		}
		return exists(locs, datalocation.ECSSnapshot, ecsIDs[0]) && exists(locs, datalocation.HBRSnapshot, hbrIDs[0]), out
	})
	assert.Equal(t, aID, annotationIn(described, v1alpha1.SourceClusterKey), described)
	locs, err := datalocation.Decode(annotationIn(described, v1alpha1.DataLocationsAnnotation))
	require.NoError(t, err)
	require.Len(t, locs, 2, described)
	for _, l := range locs {
		assert.Equal(t, a.Region(), l.Region, "%s", l.Volume)
		switch l.Kind {
		case datalocation.ECSSnapshot:
			assert.Equal(t, ns+"/disk", l.Volume)
		case datalocation.HBRSnapshot:
			assert.Equal(t, ns+"/files", l.Volume)
			assert.NotEmpty(t, l.Vault, "the HBR vault")
		}
	}
}

// storedBackup reads a backup's velero-backup.json from the shared vault.
func storedBackup(t *testing.T, name string) *velerov1.Backup {
	t.Helper()
	oss, err := env.cloud.OSS()
	require.NoError(t, err)
	body, err := oss.GetObject(ctx(t), sharedBucket, sharedPrefix+"/backups/"+name+"/velero-backup.json")
	require.NoError(t, err)
	defer body.Close()
	data, err := io.ReadAll(body)
	require.NoError(t, err)
	out := &velerov1.Backup{}
	require.NoError(t, json.Unmarshal(data, out))
	return out
}

// exists reports whether locs lists the snapshot of that kind and ID with state Exists.
func exists(locs []datalocation.Location, kind datalocation.Kind, id string) bool {
	for _, l := range locs {
		if l.Kind == kind && l.ID == id {
			return l.State == datalocation.Exists
		}
	}
	return false
}

func keysOfFacts(m map[string]objectFacts) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// annotationIn is the value of an annotation as `velero backup describe` prints it (key=value).
func annotationIn(described, key string) string {
	m := regexp.MustCompile(`(?m)` + regexp.QuoteMeta(key) + `=(.*)$`).FindStringSubmatch(described)
	if m == nil {
		return ""
	}
	return strings.TrimSpace(m[1])
}
