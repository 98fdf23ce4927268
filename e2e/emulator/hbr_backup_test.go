package emulator_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/alibabacloud-go/tea/tea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fileFacts is what a restore must bring back of each file.
type fileFacts struct {
	Sum   string
	Mode  fs.FileMode
	MTime time.Time
	Link  string
}

// writeTree fills dir with files of several sizes, nested directories, a symlink and distinct modes
// and times.
func writeTree(t *testing.T, dir string) {
	t.Helper()
	files := map[string]int{"a.txt": 10, "data/big.bin": 3 << 20, "data/empty": 0, "data/nested/deep/c.json": 4096}
	seed := byte(1)
	for name, size := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o750))
		require.NoError(t, os.WriteFile(p, randomBytes(size, seed), 0o640))
		seed++
	}
	require.NoError(t, os.Chmod(filepath.Join(dir, "a.txt"), 0o600))
	require.NoError(t, os.Symlink("data/nested", filepath.Join(dir, "link")))
	old := time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir || d.Type()&fs.ModeSymlink != 0 {
			return err
		}
		return os.Chtimes(p, old, old)
	}))
}

// treeFacts reads every entry under dir, by slash path.
func treeFacts(t *testing.T, dir string) map[string]fileFacts {
	t.Helper()
	out := map[string]fileFacts{}
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		info, err := os.Lstat(p)
		require.NoError(t, err)
		rel, _ := filepath.Rel(dir, p)
		f := fileFacts{Mode: info.Mode()}
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			f.Link, err = os.Readlink(p)
			require.NoError(t, err)
		case info.Mode().IsRegular():
			data, err := os.ReadFile(p)
			require.NoError(t, err)
			sum := sha256.Sum256(data)
			f.Sum, f.MTime = hex.EncodeToString(sum[:]), info.ModTime().UTC()
		default:
			f.MTime = info.ModTime().UTC()
		}
		out[filepath.ToSlash(rel)] = f
		return nil
	}))
	return out
}

func TestHBRBackupOfAVolume(t *testing.T) {
	w := newHBRWorld(t)
	writeTree(t, w.volume)
	id := w.backup(t, "b1-0123abcd-hbr")
	job := w.waitBackup(t, id)
	require.Equal(t, "COMPLETE", tea.StringValue(job.Status), tea.StringValue(job.ErrorMessage))
	assert.EqualValues(t, 10000, tea.Int32Value(job.Progress))
	total := int64(10 + 3<<20 + 4096)
	assert.Equal(t, total, tea.Int64Value(job.BytesTotal))
	assert.Equal(t, total, tea.Int64Value(job.BytesDone))
	assert.Equal(t, total, tea.Int64Value(job.ActualBytes), "a first backup writes every byte")
	assert.Equal(t, "b1-0123abcd-hbr", tea.StringValue(job.JobName))
	assert.Equal(t, w.vaultID, tea.StringValue(job.VaultId))
	assert.NotZero(t, tea.Int64Value(job.CompleteTime))
	st := w.srv.HBR().State()
	assert.Equal(t, total, st.Store.BytesWritten)
	require.Len(t, st.Snapshots, 1)
	assert.Equal(t, id, st.Snapshots[0].JobID)
}
