package oss

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// contentFile is one file of an object's content, by base name, next to the object's metadata file.
type contentFile struct {
	Name string `json:"name"`
	Size int64  `json:"size"`
}

// files lists the object's content in order: its one data file, or the part files of the multipart
// upload it completed.
func (r *objectRecord) files() []contentFile {
	if len(r.PartFiles) > 0 {
		return r.PartFiles
	}
	return []contentFile{{Name: r.DataFile, Size: r.Size}}
}

// dataPaths are the paths of the object's data files, in order.
func (b *bucket) dataPaths(key string, rec *objectRecord) []string {
	dir, _ := b.objectPaths(key)
	var out []string
	for _, f := range rec.files() {
		out = append(out, filepath.Join(dir, f.Name))
	}
	return out
}

// staged is a file in a bucket's tmp directory waiting to become (part of) an object's content.
type staged struct {
	path string
	size int64
}

// content reads an object's data files as one sequence of bytes. It is opened under the service lock and
// read without it: data files are never written after they are committed, and an overwrite or a delete
// only unlinks them, so an open content keeps reading what it opened.
type content struct {
	files []*os.File
	ends  []int64 // ends[i]: the object offset just past files[i]
}

// openContent opens the data files of rec, which live in dir.
func openContent(dir string, rec *objectRecord) (*content, error) {
	c := &content{}
	var end int64
	for _, f := range rec.files() {
		fh, err := os.Open(filepath.Join(dir, f.Name))
		if err != nil {
			_ = c.Close()
			return nil, fmt.Errorf("open object data %s: %w", f.Name, err)
		}
		end += f.Size
		c.files, c.ends = append(c.files, fh), append(c.ends, end)
	}
	return c, nil
}

func (c *content) size() int64 {
	if len(c.ends) == 0 {
		return 0
	}
	return c.ends[len(c.ends)-1]
}

// ReadAt reads across file boundaries; it returns io.EOF with fewer bytes than asked at the end.
func (c *content) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("content: negative offset")
	}
	n := 0
	// The first file that ends past off; empty files are skipped by the same rule.
	for i := sort.Search(len(c.ends), func(i int) bool { return c.ends[i] > off }); n < len(p) && i < len(c.files); i++ {
		start := c.ends[i] - fileSize(c, i)
		want := p[n:min(len(p), n+int(c.ends[i]-off))]
		m, err := c.files[i].ReadAt(want, off-start)
		n, off = n+m, off+int64(m)
		if m < len(want) {
			if err == nil || errors.Is(err, io.EOF) {
				err = fmt.Errorf("object data file %d is shorter than recorded: %w", i, io.ErrUnexpectedEOF)
			}
			return n, err
		}
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func fileSize(c *content, i int) int64 {
	if i == 0 {
		return c.ends[0]
	}
	return c.ends[i] - c.ends[i-1]
}

// reader reads the whole object from the start.
func (c *content) reader() io.Reader { return io.NewSectionReader(c, 0, c.size()) }

func (c *content) Close() error {
	var errs []error
	for _, f := range c.files {
		errs = append(errs, f.Close())
	}
	return errors.Join(errs...)
}

// removeStaged removes staged files a failed write leaves behind.
func removeStaged(files []staged) {
	for _, f := range files {
		_ = os.Remove(f.path)
	}
}
