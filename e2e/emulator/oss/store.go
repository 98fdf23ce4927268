package oss

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// On disk, under <DataDir>/oss/buckets/<name>/:
//
//	bucket.json                      name, creation time, online flag
//	objects/<h[:2]>/<h>.json         object metadata, h = sha256(key); the commit point of a write
//	objects/<h[:2]>/<h>.<rand>.data  object bytes; a new name per write so readers of the old one keep going
//	objects/<h[:2]>/<h>.<rand>.<n>.data  the same, for a completed multipart upload: its parts, in order
//	uploads/<id>/upload.json         multipart upload (key, headers)
//	uploads/<id>/<n>.json, <n>.<rand>.data   parts
//	tmp/                             bodies being received
//
// Keys are hashed because they may contain anything ("a" and "a/b" are both objects, and a key may be
// longer than a file name may be). A write lands its data file first and its metadata second, each by
// rename, so a crash or a reset connection never exposes a partial object: unreferenced data files are
// removed at the next start. Completing a multipart upload hard-links its parts into objects/ rather
// than concatenating them, so it costs no copy of the data whatever the object's size.

// ObjectMeta is what the emulator stores about an object.
type ObjectMeta struct {
	Key                       string            `json:"key"`
	Size                      int64             `json:"size"`
	ETag                      string            `json:"etag"` // quoted, exactly as in the ETag header
	CRC64                     uint64            `json:"crc64"`
	ContentMD5                string            `json:"contentMD5,omitempty"` // base64; empty for multipart objects
	LastModified              time.Time         `json:"lastModified"`
	ObjectType                string            `json:"objectType"` // Normal or Multipart
	StorageClass              string            `json:"storageClass"`
	ContentType               string            `json:"contentType"`
	CacheControl              string            `json:"cacheControl,omitempty"`
	ContentDisposition        string            `json:"contentDisposition,omitempty"`
	ContentEncoding           string            `json:"contentEncoding,omitempty"`
	Expires                   string            `json:"expires,omitempty"`
	ServerSideEncryption      string            `json:"sse,omitempty"`
	ServerSideEncryptionKeyID string            `json:"sseKeyId,omitempty"`
	ServerSideDataEncryption  string            `json:"sseDataEncryption,omitempty"`
	UserMeta                  map[string]string `json:"userMeta,omitempty"` // lower-case names without x-oss-meta-
}

type objectRecord struct {
	ObjectMeta
	DataFile  string        `json:"dataFile,omitempty"`  // base name, next to the metadata file
	PartFiles []contentFile `json:"partFiles,omitempty"` // instead of DataFile: a completed multipart upload's parts
}

type bucket struct {
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
	Online  bool      `json:"online"`

	dir     string
	keys    []string // sorted
	objects map[string]*objectRecord
	uploads map[string]*upload
}

// deletedSuffix marks a bucket directory being deleted; "." cannot occur in a bucket name.
const deletedSuffix = ".deleted-"

func (s *Service) bucketDir(name string) string { return filepath.Join(s.root, "buckets", name) }

func (b *bucket) tmpDir() string { return filepath.Join(b.dir, "tmp") }

func (b *bucket) objectPaths(key string) (dir, meta string) {
	sum := sha256.Sum256([]byte(key))
	h := hex.EncodeToString(sum[:])
	dir = filepath.Join(b.dir, "objects", h[:2])
	return dir, filepath.Join(dir, h+".json")
}

func randomHex(n int) string {
	buf := make([]byte, n)
	_, _ = rand.Read(buf) // crypto/rand does not fail on supported platforms
	return hex.EncodeToString(buf)
}

// writeJSON replaces path atomically.
func writeJSON(path string, v any) error {
	tmp, err := writeTempJSON(path, v)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("rename %s: %w", tmp, err)
	}
	return nil
}

// writeTempJSON writes v next to path under a temporary name (swept at start if never renamed).
func writeTempJSON(path string, v any) (string, error) {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encode %s: %w", filepath.Base(path), err)
	}
	tmp := path + ".tmp-" + randomHex(4)
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("write %s: %w", tmp, err)
	}
	return tmp, nil
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode %s: %w", path, err)
	}
	return nil
}

// load rebuilds the in-memory index from disk and sweeps what interrupted writes left behind.
func (s *Service) load() error {
	entries, err := os.ReadDir(filepath.Join(s.root, "buckets"))
	if err != nil {
		return fmt.Errorf("list buckets: %w", err)
	}
	for _, ent := range entries {
		if !ent.IsDir() {
			continue
		}
		dir := s.bucketDir(ent.Name())
		if strings.Contains(ent.Name(), deletedSuffix) {
			// A DeleteBucket interrupted after its rename: finish it.
			if err := os.RemoveAll(dir); err != nil {
				return fmt.Errorf("finish deleting %s: %w", dir, err)
			}
			continue
		}
		b := &bucket{}
		if err := readJSON(filepath.Join(dir, "bucket.json"), b); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue // a bucket whose creation never committed
			}
			return err
		}
		if b.Name != ent.Name() {
			return fmt.Errorf("bucket directory %s holds bucket %q", dir, b.Name)
		}
		b.dir, b.objects, b.uploads = dir, map[string]*objectRecord{}, map[string]*upload{}
		if err := os.RemoveAll(b.tmpDir()); err != nil {
			return fmt.Errorf("clean %s: %w", b.tmpDir(), err)
		}
		if err := os.MkdirAll(b.tmpDir(), 0o755); err != nil {
			return fmt.Errorf("create %s: %w", b.tmpDir(), err)
		}
		if err := s.loadObjects(b); err != nil {
			return fmt.Errorf("bucket %s: %w", b.Name, err)
		}
		if err := s.loadUploads(b); err != nil {
			return fmt.Errorf("bucket %s: %w", b.Name, err)
		}
		s.buckets[b.Name] = b
	}
	return nil
}

func (s *Service) loadObjects(b *bucket) error {
	shards, err := os.ReadDir(filepath.Join(b.dir, "objects"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("list objects: %w", err)
	}
	for _, shard := range shards {
		dir := filepath.Join(b.dir, "objects", shard.Name())
		files, err := os.ReadDir(dir)
		if err != nil {
			return fmt.Errorf("list objects: %w", err)
		}
		referenced := map[string]bool{}
		for _, f := range files {
			name := f.Name()
			switch {
			case strings.Contains(name, ".tmp-"):
				_ = os.Remove(filepath.Join(dir, name))
			case strings.HasSuffix(name, ".json"):
				rec := &objectRecord{}
				if err := readJSON(filepath.Join(dir, name), rec); err != nil {
					return err
				}
				if !dataPresent(dir, rec) {
					s.log.WithField("key", rec.Key).Warn("dropping object whose data file is missing")
					_ = os.Remove(filepath.Join(dir, name))
					continue
				}
				for _, f := range rec.files() {
					referenced[f.Name] = true
				}
				b.objects[rec.Key] = rec
			}
		}
		for _, f := range files {
			if strings.HasSuffix(f.Name(), ".data") && !referenced[f.Name()] {
				_ = os.Remove(filepath.Join(dir, f.Name()))
			}
		}
	}
	b.keys = slices.Sorted(maps.Keys(b.objects))
	return nil
}

// onlineBucket returns the bucket if it exists and is online; offline buckets look missing to clients.
func (s *Service) onlineBucket(name string) (*bucket, *apiError) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b := s.buckets[name]
	if b == nil || !b.Online {
		return nil, errNoSuchBucket(name)
	}
	return b, nil
}
