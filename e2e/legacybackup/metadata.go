package legacybackup

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// The velero-backup.json of Velero v1.5 and v1.6, field for field and in their order: Velero encoded
// its Backup with the API machinery's pretty JSON serializer. Velero v1.7 to v1.9 only add an empty
// "metadata": {} to the spec. Newer fields (csiSnapshotTimeout, itemOperationTimeout, …) are left out
// because Velero 1.18's own types would write them.
type backupObject struct {
	Kind       string       `json:"kind"`
	APIVersion string       `json:"apiVersion"`
	Metadata   backupMeta   `json:"metadata"`
	Spec       backupSpec   `json:"spec"`
	Status     backupStatus `json:"status"`
}

type backupMeta struct {
	Name              string            `json:"name"`
	Namespace         string            `json:"namespace"`
	SelfLink          string            `json:"selfLink"`
	UID               string            `json:"uid"`
	ResourceVersion   string            `json:"resourceVersion"`
	Generation        int64             `json:"generation"`
	CreationTimestamp string            `json:"creationTimestamp"`
	Labels            map[string]string `json:"labels"`
	Annotations       map[string]string `json:"annotations"`
}

type backupSpec struct {
	IncludedNamespaces      []string `json:"includedNamespaces,omitempty"`
	SnapshotVolumes         *bool    `json:"snapshotVolumes,omitempty"`
	TTL                     string   `json:"ttl"`
	Hooks                   struct{} `json:"hooks"`
	StorageLocation         string   `json:"storageLocation"`
	VolumeSnapshotLocations []string `json:"volumeSnapshotLocations,omitempty"`
	DefaultVolumesToRestic  bool     `json:"defaultVolumesToRestic"`
}

type backupStatus struct {
	Version                  int            `json:"version"`
	FormatVersion            string         `json:"formatVersion"`
	Expiration               string         `json:"expiration"`
	Phase                    string         `json:"phase"`
	StartTimestamp           string         `json:"startTimestamp"`
	CompletionTimestamp      string         `json:"completionTimestamp"`
	VolumeSnapshotsAttempted int            `json:"volumeSnapshotsAttempted,omitempty"`
	VolumeSnapshotsCompleted int            `json:"volumeSnapshotsCompleted,omitempty"`
	Progress                 backupProgress `json:"progress"`
}

type backupProgress struct {
	TotalItems    int `json:"totalItems"`
	ItemsBackedUp int `json:"itemsBackedUp"`
}

// metadata is velero-backup.json: the Backup as it stood when Velero uploaded it, Completed.
func (b Backup) metadata(items []item, snapshots int) ([]byte, error) {
	major, minor, err := majorMinor(b.ClusterVersion)
	if err != nil {
		return nil, err
	}
	spec := backupSpec{
		IncludedNamespaces: namespaces(items),
		TTL:                b.TTL.String(),
		StorageLocation:    b.StorageLocation,
	}
	if snapshots == 0 {
		// velero backup create --snapshot-volumes=false: no snapshot location is looked up.
		off := false
		spec.SnapshotVolumes = &off
	} else {
		spec.VolumeSnapshotLocations = []string{b.SnapshotLocation}
	}
	obj := backupObject{
		Kind:       "Backup",
		APIVersion: "velero.io/v1",
		Metadata: backupMeta{
			Name:              b.Name,
			Namespace:         "velero",
			SelfLink:          "/apis/velero.io/v1/namespaces/velero/backups/" + b.Name,
			UID:               b.uid(),
			ResourceVersion:   "48213377",
			Generation:        5,
			CreationTimestamp: rfc3339(b.Started),
			Labels:            map[string]string{"velero.io/storage-location": b.StorageLocation},
			Annotations: map[string]string{
				"velero.io/source-cluster-k8s-gitversion":    b.ClusterVersion,
				"velero.io/source-cluster-k8s-major-version": major,
				"velero.io/source-cluster-k8s-minor-version": minor,
			},
		},
		Spec: spec,
		Status: backupStatus{
			Version:                  1,
			FormatVersion:            formatVersion,
			Expiration:               rfc3339(b.Started.Add(b.TTL)),
			Phase:                    "Completed",
			StartTimestamp:           rfc3339(b.Started),
			CompletionTimestamp:      rfc3339(b.completed(items)),
			VolumeSnapshotsAttempted: snapshots,
			VolumeSnapshotsCompleted: snapshots,
			Progress:                 backupProgress{TotalItems: len(items), ItemsBackedUp: len(items)},
		},
	}
	return json.MarshalIndent(obj, "", "  ")
}

// uid is stable per backup name, so that Files returns the same bytes on every call.
func (b Backup) uid() string {
	h := fmt.Sprintf("%x", sha256.Sum256([]byte("legacybackup/"+b.Name)))
	return h[0:8] + "-" + h[8:12] + "-5" + h[13:16] + "-8" + h[17:20] + "-" + h[20:32]
}

// majorMinor splits a gitVersion the way the API server's version info reports it: "v1.16.9-aliyun.1"
// is major "1", minor "16".
func majorMinor(gitVersion string) (string, string, error) {
	parts := strings.SplitN(strings.TrimPrefix(gitVersion, "v"), ".", 3)
	if !strings.HasPrefix(gitVersion, "v") || len(parts) < 3 || parts[0] == "" || parts[1] == "" {
		return "", "", fmt.Errorf("cluster version %q is not a Kubernetes gitVersion such as %s", gitVersion, DefaultClusterVersion)
	}
	return parts[0], parts[1], nil
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }
