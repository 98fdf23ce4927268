package hbr

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStatusTerminal(t *testing.T) {
	for s, want := range map[Status]bool{
		StatusCreated: false, StatusQueued: false, StatusRunning: false, StatusCanceling: false, "SOMETHING_NEW": false,
		StatusComplete: true, StatusPartialComplete: true, StatusFailed: true, StatusCanceled: true, StatusExpired: true,
		StatusClientDeleted: true,
	} {
		assert.Equal(t, want, s.Terminal(), s)
	}
}

func TestProgressPercent(t *testing.T) {
	for p, want := range map[Progress]float64{0: 0, 1: 0.01, 5000: 50, ProgressDone: 100, 12000: 100, -3: 0} {
		assert.Equal(t, want, p.Percent(), "progress %d", p)
	}
}

func TestJobErrInACKWords(t *testing.T) {
	tests := []struct {
		status  Status
		message string
		want    string // "" = no error
	}{
		{StatusRunning, "", ""},
		{StatusComplete, "", ""},
		{StatusFailed, "ClientNotExist", "hbr task finished with unexpected status: FAILED, errMsg ClientNotExist"},
		{StatusFailed, "SOURCE_NOT_EXIST", "hbr task finished with unexpected status: FAILED, errMsg SOURCE_NOT_EXIST"},
		{StatusPartialComplete, "1 file vanished", "hbr task finished with unexpected status: PARTIAL_COMPLETE, errMsg 1 file vanished"},
		{StatusCanceled, "", "hbr task finished with unexpected status: CANCELED, errMsg "},
	}
	for _, tt := range tests {
		err := (&Job{ID: "job-1", Status: tt.status, ErrorMessage: tt.message}).Err()
		if tt.want == "" {
			assert.NoError(t, err, tt.status)
			continue
		}
		assert.EqualError(t, err, tt.want)
		var je *JobError
		require.ErrorAs(t, err, &je)
		assert.Equal(t, tt.status, je.Status)
	}
}

// The form ACK sends (filesystem-volumes.md §1.3): an array of one PV whose resourceInfo is a JSON string.
func TestContainerResources(t *testing.T) {
	spec := BackupJobSpec{Region: "cn-hangzhou", VaultID: "v-1", ContainerClusterID: "cc-1", Name: "b1-1a2b3c4d-hbr",
		Since: time.Unix(1700000000, 0), Volume: Volume{PVName: "nas-650d", PVUID: "674dac6d-0000-4000-8000-000000000001",
			PVCName: "data-postgresql-0", Namespace: "database", StorageClass: "alibabacloud-cnfs-nas", Size: "8Gi",
			NodeIP: "192.0.2.10", NodePath: "/var/lib/kubelet/pods/6f5e758e/volumes/kubernetes.io~csi/nas-650d/mount"}}
	got, err := containerResources(spec)
	require.NoError(t, err)
	assert.Equal(t, `[{"resourceType":"PV","backupMethod":"FILE","resourceId":"674dac6d-0000-4000-8000-000000000001",`+
		`"resourceInfo":"{\"pv_name\":\"nas-650d\",\"pv_size\":\"8Gi\",\"storage_class\":\"alibabacloud-cnfs-nas\",\"pvc_name\":\"data-postgresql-0\",\"namespace\":\"database\"}",`+
		`"host":"cn-hangzhou.192.0.2.10","hostPrefix":"/var/lib/kubelet/pods/6f5e758e/volumes/kubernetes.io~csi/nas-650d/mount","pvPath":"/"}]`, got)

	for name, mutate := range map[string]func(*BackupJobSpec){
		"no since":          func(s *BackupJobSpec) { s.Since = time.Time{} },
		"no vault":          func(s *BackupJobSpec) { s.VaultID = "" },
		"no cluster":        func(s *BackupJobSpec) { s.ContainerClusterID = "" },
		"relative path":     func(s *BackupJobSpec) { s.Volume.NodePath = "6f5e758e/volumes/x/mount" },
		"unclean path":      func(s *BackupJobSpec) { s.Volume.NodePath = "/var/lib/kubelet/pods/../../etc" },
		"no node":           func(s *BackupJobSpec) { s.Volume.NodeIP = "" },
		"no PV identity":    func(s *BackupJobSpec) { s.Volume.PVUID = "" },
		"no name to find":   func(s *BackupJobSpec) { s.Name = "" },
		"no region to call": func(s *BackupJobSpec) { s.Region = "" },
	} {
		bad := spec
		mutate(&bad)
		_, err := containerResources(bad)
		assert.Error(t, err, name)
	}
}

func TestTokenNeverPrints(t *testing.T) {
	cl := ContainerCluster{ID: "cc-1", Identifier: "uid-1", Token: NewToken("s3cr3t-token")}
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d", "%10.3s"} {
		assert.NotContains(t, fmt.Sprintf(format, cl), "s3cr3t", format)
		assert.NotContains(t, fmt.Sprintf(format, &cl), "s3cr3t", format)
		assert.NotContains(t, fmt.Sprintf(format, cl.Token), "s3cr3t", format)
	}
	data, err := json.Marshal(cl)
	require.NoError(t, err)
	assert.NotContains(t, string(data), "s3cr3t")
	assert.Equal(t, "s3cr3t-token", cl.Token.Reveal())
	assert.False(t, cl.Token.IsZero())
	assert.True(t, Token{}.IsZero())
}
