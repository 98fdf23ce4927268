package vaultindex_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/vaultindex"
)

var t0 = time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)

// at is a time in whole seconds after t0, as OSS lists them.
func at(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

func TestVisible(t *testing.T) {
	const me, src, other = "uid-b", "uid-a", "uid-c"
	l := vaultindex.NewLayout("velero")
	member := func(joined int) []vaultindex.Object {
		return []vaultindex.Object{{Key: l.Member(me), LastModified: at(joined)}}
	}
	tests := []struct {
		name    string
		index   []vaultindex.Object // besides the member entries
		joined  int                 // -1: me is not a member yet
		visible bool
	}{
		{"legacy backup, nothing in the index", nil, 10, true},
		{"legacy backup deleted by me", objs(l.Deleted("n", me), 5), 10, false},
		{"legacy backup deleted by another cluster before I joined", objs(l.Deleted("n", other), 5), 10, true},
		{"mine, in progress", objs(l.Source("n", me), 5), 10, true},
		{"mine, completed", objs(l.Source("n", me), 5, l.Completed("n"), 6), 10, true},
		{"mine, even with a stray tombstone of mine", objs(l.Source("n", me), 5, l.Deleted("n", me), 6), 10, true},
		{"mine, deleted by another cluster", objs(l.Source("n", me), 5, l.Deleted("n", other), 6), -1, true},
		{"another cluster's, in progress or failed", objs(l.Source("n", src), 5), 10, false},
		{"another cluster's, completed", objs(l.Source("n", src), 5, l.Completed("n"), 6), 10, true},
		{"another cluster's, completed, deleted by me", objs(l.Source("n", src), 5, l.Completed("n"), 6, l.Deleted("n", me), 20), 10, false},
		{"deleted by a third cluster before I joined", objs(l.Source("n", src), 5, l.Completed("n"), 6, l.Deleted("n", other), 9), 10, false},
		{"deleted by a third cluster after I joined", objs(l.Source("n", src), 5, l.Completed("n"), 6, l.Deleted("n", other), 11), 10, true},
		{"deleted by a third cluster in the second I joined (ties go to the newcomer rule)", objs(l.Source("n", src), 5, l.Completed("n"), 6, l.Deleted("n", other), 10), 10, false},
		{"joining now: completed, no tombstone", objs(l.Source("n", src), 5, l.Completed("n"), 6), -1, true},
		{"joining now: completed, deleted by a third cluster", objs(l.Source("n", src), 5, l.Completed("n"), 6, l.Deleted("n", other), 9), -1, false},
		{"joining now: in progress", objs(l.Source("n", src), 5), -1, false},
		{"markers a newer plugin wrote are ignored", objs(l.Source("n", src), 5, l.Completed("n"), 6, l.BackupDir("n")+"pinned/x", 7), 10, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			listing := tt.index
			if tt.joined >= 0 {
				listing = append(member(tt.joined), listing...)
			}
			ix := l.Parse(listing)
			v := ix.Viewer(me)
			assert.Equal(t, tt.joined < 0, v.Joining)
			assert.Equal(t, tt.visible, ix.Visible("n", v))
			assert.True(t, ix.Visible("unrelated", v), "a backup the index does not know is visible")
		})
	}
}

func TestParse(t *testing.T) {
	l := vaultindex.NewLayout("")
	ix := l.Parse([]vaultindex.Object{
		{Key: l.Claim("n1"), LastModified: at(1)},
		{Key: l.Source("n1", "uid-b"), LastModified: at(2)},
		{Key: l.Source("n1", "uid-a"), LastModified: at(2)},
		{Key: l.Completed("n1"), LastModified: at(3)},
		{Key: l.Deleted("n1", "uid-c"), LastModified: at(4)},
		{Key: l.Deleted("n2", "uid-c"), LastModified: at(5)},
		{Key: l.Member("uid-a"), LastModified: at(0)},
		{Key: l.Member("uid-c"), LastModified: at(3)},
		{Key: l.Root() + "clusters/", LastModified: at(3)},          // a folder placeholder some tools write
		{Key: l.Root() + "backups/n3", LastModified: at(3)},         // no marker
		{Key: l.Root() + "backups//completed", LastModified: at(3)}, // no name
		{Key: "backups/n1/velero-backup.json", LastModified: at(3)}, // Velero's, not the index's
	})
	assert.Equal(t, map[string]time.Time{"uid-a": at(0), "uid-c": at(3)}, ix.Members)
	assert.Len(t, ix.Backups, 2)
	assert.Equal(t, &vaultindex.Backup{Sources: []string{"uid-a", "uid-b"}, Completed: true, Deleted: map[string]time.Time{"uid-c": at(4)}}, ix.Backups["n1"])
	assert.Equal(t, &vaultindex.Backup{Deleted: map[string]time.Time{"uid-c": at(5)}}, ix.Backups["n2"])
	assert.Equal(t, "uid-a", ix.Source("n1"))
	assert.Equal(t, "", ix.Source("n2"))
	assert.Equal(t, "", ix.Source("n3"))
}

// objs pairs keys with times in seconds after t0: objs(k1, 5, k2, 6).
func objs(kv ...any) []vaultindex.Object {
	var out []vaultindex.Object
	for i := 0; i < len(kv); i += 2 {
		out = append(out, vaultindex.Object{Key: kv[i].(string), LastModified: at(kv[i+1].(int))})
	}
	return out
}
