package vaultindex

import (
	"slices"
	"strings"
	"time"
)

// Object is one listed key of the index and when the server last wrote it.
type Object struct {
	Key          string
	LastModified time.Time
}

// Index is what one listing of the index says.
type Index struct {
	// Backups has an entry for each backup with at least one marker; a backup of the vault without
	// one was made before the index existed (or by a plugin without it).
	Backups map[string]*Backup
	// Members are the clusters that have joined the vault, and when.
	Members map[string]time.Time
}

// Backup is the index's state of one backup.
type Backup struct {
	// Sources are the clusters that made it: one, unless the index was edited by hand.
	Sources []string
	// Completed: its velero-backup.json was written with phase Completed.
	Completed bool
	// Deleted are the clusters, not the source, that deleted it for themselves, and when.
	Deleted map[string]time.Time
}

// Parse reads a listing of l.Root(). Keys it does not know (a newer plugin's) are skipped, so an old
// plugin reading a newer index still applies the rules it knows.
func (l Layout) Parse(objects []Object) Index {
	ix := Index{Backups: map[string]*Backup{}, Members: map[string]time.Time{}}
	root := l.Root()
	for _, o := range objects {
		rel, ok := strings.CutPrefix(o.Key, root)
		if !ok {
			continue
		}
		if cluster, ok := strings.CutPrefix(rel, clustersDir); ok {
			if CheckIdentity(cluster) == nil {
				ix.Members[cluster] = o.LastModified
			}
			continue
		}
		rest, ok := strings.CutPrefix(rel, backupsDir)
		if !ok {
			continue // claims/ are read one at a time, when needed
		}
		name, marker, ok := strings.Cut(rest, "/")
		if !ok || name == "" {
			continue
		}
		ix.apply(name, marker, o.LastModified)
	}
	return ix
}

func (ix Index) apply(name, marker string, at time.Time) {
	b := func() *Backup {
		if ix.Backups[name] == nil {
			ix.Backups[name] = &Backup{Deleted: map[string]time.Time{}}
		}
		return ix.Backups[name]
	}
	switch {
	case marker == completedKey:
		b().Completed = true
	case strings.HasPrefix(marker, sourceDir):
		if c := strings.TrimPrefix(marker, sourceDir); CheckIdentity(c) == nil && !slices.Contains(b().Sources, c) {
			b().Sources = append(b().Sources, c)
			slices.Sort(b().Sources)
		}
	case strings.HasPrefix(marker, deletedDir):
		if c := strings.TrimPrefix(marker, deletedDir); CheckIdentity(c) == nil {
			b().Deleted[c] = at
		}
	}
}

// Viewer is a cluster looking at the vault's backups.
type Viewer struct {
	Cluster string
	// JoinedAt is when the cluster joined the vault. Joining means it joins now, after everything
	// in the listing: it has not listed the vault's backups before.
	JoinedAt time.Time
	Joining  bool
}

// Viewer is cluster as a member of the vault, or as joining it if it is not one yet.
func (ix Index) Viewer(cluster string) Viewer {
	at, ok := ix.Members[cluster]
	return Viewer{Cluster: cluster, JoinedAt: at, Joining: !ok}
}

// Visible reports whether v sees the backup of that name (ACK Backup Center's rules):
//   - a backup without a source (made before the index): visible unless v deleted it;
//   - a backup v made: visible in every phase;
//   - another cluster's: visible once Completed, unless v deleted it, or another cluster deleted it
//     before v joined, or in the second it joined ("labelled backups are not synced to newly
//     associated clusters").
func (ix Index) Visible(backup string, v Viewer) bool {
	b := ix.Backups[backup]
	if b == nil {
		return true
	}
	if _, gone := b.Deleted[v.Cluster]; gone && !slices.Contains(b.Sources, v.Cluster) {
		return false
	}
	switch {
	case len(b.Sources) == 0:
		return true
	case slices.Contains(b.Sources, v.Cluster):
		return true
	case !b.Completed:
		return false
	}
	// OSS times are whole seconds: a tombstone of the second v joined counts as before the join, as
	// every tombstone does for a cluster joining now, so a newcomer's view never changes at its next sync.
	for _, at := range b.Deleted {
		if v.Joining || !at.After(v.JoinedAt) {
			return false
		}
	}
	return true
}

// Source is the cluster that made the backup, "" when the index does not say.
func (ix Index) Source(backup string) string {
	if b := ix.Backups[backup]; b != nil && len(b.Sources) > 0 {
		return b.Sources[0]
	}
	return ""
}
