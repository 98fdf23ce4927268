package v1alpha1

import (
	"fmt"
	"strings"
)

// FilesystemBackupRef is the value of FilesystemBackupAnnotation for a record.
func FilesystemBackupRef(namespace, name string) string { return namespace + "/" + name }

// ParseFilesystemBackupRef reads a FilesystemBackupAnnotation value: <namespace>/<name>, or a bare
// name in defaultNamespace.
func ParseFilesystemBackupRef(value, defaultNamespace string) (namespace, name string, err error) {
	namespace, name, found := strings.Cut(value, "/")
	if !found {
		namespace, name = defaultNamespace, value
	}
	if namespace == "" || name == "" || strings.Contains(name, "/") {
		return "", "", fmt.Errorf("annotation %s=%q does not name a filesystembackup as <namespace>/<name>", FilesystemBackupAnnotation, value)
	}
	return namespace, name, nil
}

// RestoreSource is where a finished record's snapshot is, checked as a restore needs it: a vault, a
// snapshot ID and hash. Completed and PartiallyFailed records have one.
func (b *FilesystemBackup) RestoreSource() (RestoreSource, error) {
	st := b.Status
	if st.Phase != PhaseCompleted && st.Phase != PhasePartiallyFailed {
		return RestoreSource{}, fmt.Errorf("filesystembackup %s/%s is %s, not Completed: it holds no snapshot to restore (%s)",
			b.Namespace, b.Name, phaseOrNew(st.Phase), st.Message)
	}
	if st.HBR == nil || st.HBR.Region == "" || st.HBR.VaultID == "" || st.HBR.SnapshotID == "" || st.HBR.SnapshotHash == "" {
		return RestoreSource{}, fmt.Errorf("filesystembackup %s/%s is %s but names no vault, snapshot ID and hash", b.Namespace, b.Name, st.Phase)
	}
	volume := b.Spec.Volume
	return RestoreSource{Backup: b.Spec.Backup, Claim: b.Spec.Claim, Volume: &volume, Vault: st.HBR.Vault,
		SnapshotID: st.HBR.SnapshotID, SnapshotHash: st.HBR.SnapshotHash, BytesTotal: st.Progress.BytesTotal}, nil
}

func phaseOrNew(p Phase) Phase {
	if p == "" {
		return PhaseNew
	}
	return p
}
