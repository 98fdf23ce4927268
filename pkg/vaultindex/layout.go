// Package vaultindex keeps, next to Velero's backups in a vault that several clusters share, which
// cluster made each backup, which backups are complete, which clusters deleted them for themselves,
// and when each cluster joined the vault; and decides from that which backups a cluster sees.
//
// The index lives under "<prefix>plugins/csdr/", one of the top-level folders Velero allows under a
// location's prefix (any other makes the location Unavailable). Every entry but a claim is an empty
// object whose key says everything, so one listing reads the whole index; times are the objects'
// LastModified, the server's clock, so no cluster's clock matters.
package vaultindex

import (
	"fmt"
	"path"
	"strings"
	"unicode"
)

// Folders and markers of the index, relative to Layout.Root.
const (
	claimsDir    = "claims/"
	backupsDir   = "backups/"
	clustersDir  = "clusters/"
	sourceDir    = "source/"
	deletedDir   = "deleted/"
	completedKey = "completed"
)

// Layout names the keys of one location's index and of Velero's backups next to it.
type Layout struct {
	root    string // "<prefix>plugins/csdr/"
	backups string // "<prefix>backups/"
}

// NewLayout takes the location's prefix as Velero's config carries it ("", "velero", "a/b/") and
// joins it as Velero's object store layout does (path.Join), so the keys match Velero's exactly.
func NewLayout(prefix string) Layout {
	return Layout{root: path.Join(prefix, "plugins", "csdr") + "/", backups: path.Join(prefix, "backups") + "/"}
}

// Root is the index's folder: "<prefix>plugins/csdr/".
func (l Layout) Root() string { return l.root }

// Claim holds the identity of the cluster that owns a backup's name. It is created once, with
// forbid-overwrite, so two clusters cannot both make a backup of one name.
func (l Layout) Claim(backup string) string { return l.Root() + claimsDir + backup }

// BackupDir holds a backup's markers.
func (l Layout) BackupDir(backup string) string { return l.Root() + backupsDir + backup + "/" }

// Source is the listable copy of the claim: which cluster made the backup.
func (l Layout) Source(backup, cluster string) string {
	return l.BackupDir(backup) + sourceDir + cluster
}

// Completed marks a backup whose velero-backup.json says Completed.
func (l Layout) Completed(backup string) string { return l.BackupDir(backup) + completedKey }

// Deleted is a tombstone: that cluster, not the source, deleted the backup for itself.
func (l Layout) Deleted(backup, cluster string) string {
	return l.BackupDir(backup) + deletedDir + cluster
}

// Member records a cluster that has listed the vault's backups; its LastModified is when it joined.
func (l Layout) Member(cluster string) string { return l.Root() + clustersDir + cluster }

// VeleroBackups is Velero's folder of backups: "<prefix>backups/".
func (l Layout) VeleroBackups() string { return l.backups }

// VeleroMetadata is the key of a backup's velero-backup.json.
func (l Layout) VeleroMetadata(backup string) string {
	return l.VeleroBackups() + backup + "/" + MetadataFile
}

// MetadataFile is the file Velero writes a Backup object to; its presence is what "the backup
// exists in the vault" means to Velero.
const MetadataFile = "velero-backup.json"

// ParseVeleroKey splits "<prefix>backups/<backup>/<file>" (file may contain slashes); ok is false
// for any other key.
func (l Layout) ParseVeleroKey(key string) (backup, file string, ok bool) {
	rest, found := strings.CutPrefix(key, l.VeleroBackups())
	if !found {
		return "", "", false
	}
	backup, file, found = strings.Cut(rest, "/")
	if !found || backup == "" || file == "" {
		return "", "", false
	}
	return backup, file, true
}

// ParseVeleroBackupDir reads a backup's name from a common prefix "<prefix>backups/<backup>/".
func (l Layout) ParseVeleroBackupDir(dir string) (string, bool) {
	rest, found := strings.CutPrefix(dir, l.VeleroBackups())
	if !found {
		return "", false
	}
	name := strings.TrimSuffix(rest, "/")
	if name == "" || strings.Contains(name, "/") {
		return "", false
	}
	return name, true
}

// IsVeleroBackups reports whether prefix is Velero's folder of backups, as ListCommonPrefixes gets
// it from Velero's backup sync ("<prefix>backups/").
func (l Layout) IsVeleroBackups(prefix string) bool { return prefix == l.VeleroBackups() }

// CheckIdentity refuses an identity that cannot be one segment of a key.
func CheckIdentity(cluster string) error {
	bad := cluster == "" || cluster == "." || cluster == ".." ||
		strings.ContainsFunc(cluster, func(r rune) bool { return r == '/' || r == '\\' || unicode.IsSpace(r) || unicode.IsControl(r) })
	if bad {
		return fmt.Errorf("cluster identity %q cannot name an object in the vault: use letters, digits, '-', '_' or '.'", cluster)
	}
	return nil
}
