package hbr

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
)

// blobStore is the content-addressed store behind every vault: a file's bytes live once, under the
// hex SHA-256 of its content, however many snapshots hold it. Deduplication is file-level: a second
// backup writes only the files whose content is new.
type blobStore struct {
	dir     string
	written atomic.Int64 // bytes newly written since the service started
}

// openBlobStore starts an empty store. The HBR model lives in memory, so blobs left by an earlier run
// belong to no snapshot; kept, they would make a first backup look incremental.
func openBlobStore(dataDir string) (*blobStore, error) {
	dir := filepath.Join(dataDir, "hbr", "blobs")
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("clear hbr blob dir: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create hbr blob dir: %w", err)
	}
	return &blobStore{dir: dir}, nil
}

func (b *blobStore) path(digest string) string { return filepath.Join(b.dir, digest[:2], digest) }

func (b *blobStore) has(digest string) bool {
	_, err := os.Stat(b.path(digest))
	return err == nil
}

// put copies r into the store while hashing it and reports how many bytes were new: 0 when the content
// was already there. progress is told about every chunk read and may stop the copy with an error.
func (b *blobStore) put(r io.Reader, progress func(n int) error) (digest string, written int64, err error) {
	tmp, err := os.CreateTemp(b.dir, "put-*")
	if err != nil {
		return "", 0, fmt.Errorf("create blob: %w", err)
	}
	defer func() {
		if tmp != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	n, err := io.CopyBuffer(io.MultiWriter(tmp, h), &progressReader{r: r, progress: progress}, make([]byte, 256<<10))
	if err != nil {
		return "", 0, err
	}
	digest = hex.EncodeToString(h.Sum(nil))
	if b.has(digest) {
		return digest, 0, nil
	}
	if err := tmp.Close(); err != nil {
		return "", 0, fmt.Errorf("write blob %s: %w", digest, err)
	}
	if err := os.MkdirAll(filepath.Dir(b.path(digest)), 0o755); err != nil {
		return "", 0, fmt.Errorf("create blob dir: %w", err)
	}
	if err := os.Rename(tmp.Name(), b.path(digest)); err != nil {
		return "", 0, fmt.Errorf("store blob %s: %w", digest, err)
	}
	tmp = nil
	b.written.Add(n)
	return digest, n, nil
}

func (b *blobStore) open(digest string) (*os.File, error) { return os.Open(b.path(digest)) }

// gc removes the blobs no snapshot refers to any more, and reports the bytes left.
func (b *blobStore) gc(referenced map[string]bool) (stored int64, err error) {
	var errs []error
	walkErr := filepath.WalkDir(b.dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), "put-") {
			return err
		}
		if referenced[d.Name()] {
			if info, err := d.Info(); err == nil {
				stored += info.Size()
			}
			return nil
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
		return nil
	})
	return stored, errors.Join(append(errs, walkErr)...)
}

type progressReader struct {
	r        io.Reader
	progress func(n int) error
}

func (p *progressReader) Read(buf []byte) (int, error) {
	n, err := p.r.Read(buf)
	if n > 0 && p.progress != nil {
		if perr := p.progress(n); perr != nil {
			return n, perr
		}
	}
	return n, err
}

// stored is the number of bytes the store holds.
func (b *blobStore) stored() int64 {
	var n int64
	_ = filepath.WalkDir(b.dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasPrefix(d.Name(), "put-") {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}
