package alibaba

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite testdata/pv_fixtures.txt from what Disk says")

// fixtureDirs hold the PV fixtures of the two readers of PVs: the snapshotter and the restore rules.
var fixtureDirs = []string{"plugins/volumesnapshotter/pvdisk/testdata", "pkg/transform/testdata"}

// Every PV in the snapshotter's and the restore rules' test files, as Disk reads it: both decide "is
// this PV a disk, and which" through Disk, so one table of answers covers them both. A change in how
// any fixture is read shows here as a diff of testdata/pv_fixtures.txt.
func TestDiskOfEveryPVFixture(t *testing.T) {
	var got bytes.Buffer
	pvs := 0
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	for _, dir := range fixtureDirs {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for i, doc := range strings.Split(string(data), "\n---") {
				var obj map[string]any
				if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
					return fmt.Errorf("%s document %d: %w", path, i, err)
				}
				if obj["kind"] != "PersistentVolume" {
					continue
				}
				spec, _ := obj["spec"].(map[string]any)
				meta, _ := obj["metadata"].(map[string]any)
				rel, err := filepath.Rel(root, path)
				if err != nil {
					return err
				}
				fmt.Fprintf(&got, "%s %v: %s\n", filepath.ToSlash(rel), meta["name"], answer(spec))
				pvs++
			}
			return nil
		})
		require.NoError(t, err)
	}
	require.Greater(t, pvs, 40, "the fixtures were found")
	golden := filepath.Join("testdata", "pv_fixtures.txt")
	if *update {
		require.NoError(t, os.WriteFile(golden, got.Bytes(), 0o644))
		return
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run go test ./pkg/alibaba -run TestDiskOfEveryPVFixture -update")
	assert.Equal(t, string(want), got.String())
}

func answer(spec map[string]any) string {
	id, via, ok, err := Disk(spec)
	switch {
	case err != nil:
		return "refused: " + err.Error()
	case ok:
		return fmt.Sprintf("disk %s via %s", id, via)
	}
	return "not a disk"
}
