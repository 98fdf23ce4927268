package imagebuild

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

type layerEntry struct {
	path string
	mode int64
	data []byte
}

// newLayer writes the entries, and the directories above them, as one tar layer owned by root with
// every time set to created: what `COPY` in a Dockerfile makes, and byte for byte the same each time.
func newLayer(entries []layerEntry, created time.Time) (v1.Layer, error) {
	sort.Slice(entries, func(i, j int) bool { return entries[i].path < entries[j].path })
	var buf bytes.Buffer
	w := tar.NewWriter(&buf)
	dirs := map[string]bool{}
	for _, e := range entries {
		if !path.IsAbs(e.path) || path.Clean(e.path) != e.path {
			return nil, fmt.Errorf("layer entry %q: want a clean absolute path", e.path)
		}
		for _, dir := range parents(e.path) {
			if dirs[dir] {
				continue
			}
			dirs[dir] = true
			if err := w.WriteHeader(header(dir+"/", tar.TypeDir, 0o755, 0, created)); err != nil {
				return nil, err
			}
		}
		if err := w.WriteHeader(header(e.path, tar.TypeReg, e.mode, int64(len(e.data)), created)); err != nil {
			return nil, err
		}
		if _, err := w.Write(e.data); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	})
}

// header names the entry without its leading "/", as image layers do.
func header(name string, typ byte, mode, size int64, t time.Time) *tar.Header {
	return &tar.Header{Name: strings.TrimPrefix(name, "/"), Typeflag: typ, Mode: mode, Size: size,
		ModTime: t.UTC(), Format: tar.FormatPAX}
}

// parents lists the directories above p, outermost first: /a/b/c gives /a, /a/b.
func parents(p string) []string {
	var out []string
	for dir := path.Dir(p); dir != "/"; dir = path.Dir(dir) {
		out = append([]string{dir}, out...)
	}
	return out
}
