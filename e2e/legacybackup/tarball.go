package legacybackup

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"time"
)

// formatVersion is the tarball format Velero v1.4 introduced and still writes; a restore reads
// version directories only from backups of at least this format.
const formatVersion = "1.1.0"

// tarball is <name>.tar.gz: metadata/version, then each item's compact JSON (Velero marshalled the
// unstructured content as is) at every path Velero wrote it to. Entries carry what Velero's headers
// carried: name, size, regular-file type, mode 0755 and the time of writing.
func (b Backup) tarball(items []item) ([]byte, error) {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	at := b.Started.Add(time.Second)
	if err := writeEntry(tw, "metadata/version", []byte(formatVersion+"\n"), at); err != nil {
		return nil, err
	}
	for _, it := range items {
		data, err := json.Marshal(it.obj.Object)
		if err != nil {
			return nil, fmt.Errorf("encode %s %s: %w", it.listKey(), it.listEntry(), err)
		}
		for _, p := range it.paths() {
			if err := writeEntry(tw, p, data, at); err != nil {
				return nil, err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("close tar: %w", err)
	}
	if err := gz.Close(); err != nil {
		return nil, fmt.Errorf("close gzip: %w", err)
	}
	return buf.Bytes(), nil
}

func writeEntry(tw *tar.Writer, name string, data []byte, at time.Time) error {
	hdr := &tar.Header{Name: name, Size: int64(len(data)), Typeflag: tar.TypeReg, Mode: 0o755, ModTime: at}
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("tar header %s: %w", name, err)
	}
	if _, err := tw.Write(data); err != nil {
		return fmt.Errorf("tar entry %s: %w", name, err)
	}
	return nil
}

// jsonGzip encodes v the way Velero encoded its side files: json.Encoder (so with a trailing newline)
// into a gzip stream.
func jsonGzip(v any) ([]byte, error) {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	if err := json.NewEncoder(gz).Encode(v); err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	if err := gz.Close(); err != nil {
		return nil, fmt.Errorf("close gzip: %w", err)
	}
	return buf.Bytes(), nil
}

func gzipBytes(data []byte) ([]byte, error) {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	if _, err := gz.Write(data); err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	if err := gz.Close(); err != nil {
		return nil, fmt.Errorf("close gzip: %w", err)
	}
	return buf.Bytes(), nil
}
