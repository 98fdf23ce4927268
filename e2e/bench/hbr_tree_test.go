package bench

import (
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// tree is a volume's files: count files of size bytes in all, spread over directories of 100.
type tree struct {
	root  string
	files []string // relative paths
	sizes []int64
}

const filesPerDir = 100

// generateTree writes count files of random content, size bytes in all, under root.
func generateTree(b *testing.B, root string, count int, size int64, seed uint64) *tree {
	b.Helper()
	t := &tree{root: root}
	rng := rand.NewChaCha8(seedOf(seed))
	each := size / int64(count)
	for i := range count {
		rel := filepath.Join(fmt.Sprintf("dir-%03d", i/filesPerDir), fmt.Sprintf("file-%05d.bin", i))
		n := each
		if i == 0 {
			n += size - each*int64(count)
		}
		t.files, t.sizes = append(t.files, rel), append(t.sizes, n)
		require.NoError(b, writeRandom(filepath.Join(root, rel), n, rng))
	}
	return t
}

// rewrite gives every step-th file new random content of the same size and returns the bytes changed.
func (t *tree) rewrite(b *testing.B, step int, seed uint64) (files int, bytes int64) {
	b.Helper()
	rng := rand.NewChaCha8(seedOf(seed))
	for i := 0; i < len(t.files); i += step {
		require.NoError(b, writeRandom(filepath.Join(t.root, t.files[i]), t.sizes[i], rng))
		files, bytes = files+1, bytes+t.sizes[i]
	}
	return files, bytes
}

func seedOf(n uint64) [32]byte {
	var s [32]byte
	for i := range 8 {
		s[i] = byte(n >> (8 * i))
	}
	return s
}

func writeRandom(path string, n int64, rng *rand.ChaCha8) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	buf := make([]byte, n)
	_, _ = rng.Read(buf) // never fails
	return os.WriteFile(path, buf, 0o644)
}

// copyTree is the baseline: a plain recursive copy (what cp -r does), files and modes.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(target, info.Mode().Perm()|0o700)
		}
		return copyFile(path, target, info.Mode().Perm())
	})
}

func copyFile(src, dst string, mode fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}
