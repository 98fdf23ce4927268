package oss

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
)

// On disk, under <DataDir>/oss/buckets/<name>/:
//
//	bucket.json                      name, creation time, online flag
//	objects/<h[:2]>/<h>.json         object metadata, h = sha256(key); the commit point of a write
//	objects/<h[:2]>/<h>.<rand>.data  object bytes; a new name per write so readers of the old one keep going
//	uploads/<id>/upload.json         multipart upload (key, headers)
//	uploads/<id>/<n>.json, <n>.<rand>.data   parts
//	tmp/                             bodies being received
//
// Keys are hashed because they may contain anything ("a" and "a/b" are both objects, and a key may be
// longer than a file name may be). A write lands its data file first and its metadata second, each by
// rename, so a crash or a reset connection never exposes a partial object: unreferenced data files are
// removed at the next start.

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
	DataFile string `json:"dataFile"` // base name, next to the metadata file
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

func (b *bucket) dataPath(key string, rec *objectRecord) string {
	dir, _ := b.objectPaths(key)
	return filepath.Join(dir, rec.DataFile)
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
				if _, err := os.Stat(filepath.Join(dir, rec.DataFile)); err != nil {
					s.log.WithField("key", rec.Key).Warn("dropping object whose data file is missing")
					_ = os.Remove(filepath.Join(dir, name))
					continue
				}
				referenced[rec.DataFile] = true
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

// commitObject makes the data file at tmpPath the object's content. Caller must not hold s.mu.
// forbidOverwrite makes an existing object a conflict, checked atomically with the write. Everything that
// can be prepared outside the lock is: only the metadata rename, the commit point, happens under it.
func (s *Service) commitObject(bucketName string, b *bucket, tmpPath string, meta ObjectMeta, forbidOverwrite bool) *apiError {
	dir, metaPath := b.objectPaths(meta.Key)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return errInternal(fmt.Errorf("create object dir: %w", err))
	}
	rec := &objectRecord{ObjectMeta: meta, DataFile: strings.TrimSuffix(filepath.Base(metaPath), ".json") + "." + randomHex(6) + ".data"}
	dataPath := filepath.Join(dir, rec.DataFile)
	if err := os.Rename(tmpPath, dataPath); err != nil {
		return errInternal(fmt.Errorf("place object data: %w", err))
	}
	metaTmp, err := writeTempJSON(metaPath, rec)
	if err != nil {
		_ = os.Remove(dataPath)
		return errInternal(err)
	}
	abort := func(e *apiError) *apiError {
		_ = os.Remove(dataPath)
		_ = os.Remove(metaTmp)
		return e
	}

	s.mu.Lock()
	if cur := s.buckets[bucketName]; cur != b {
		s.mu.Unlock()
		return abort(errNoSuchBucket(bucketName))
	}
	old := b.objects[meta.Key]
	if old != nil && forbidOverwrite {
		s.mu.Unlock()
		return abort(newError(http.StatusConflict, "FileAlreadyExists", "The object you specified already exists and can not be overwritten."))
	}
	if err := os.Rename(metaTmp, metaPath); err != nil {
		s.mu.Unlock()
		return abort(errInternal(fmt.Errorf("commit object metadata: %w", err)))
	}
	b.objects[meta.Key] = rec
	if old == nil {
		b.insertKey(meta.Key)
	}
	s.mu.Unlock()

	if old != nil {
		// Readers that opened the old file keep reading it; it disappears with their last descriptor.
		_ = os.Remove(filepath.Join(dir, old.DataFile))
	}
	return nil
}

func (b *bucket) insertKey(key string) {
	i := sort.SearchStrings(b.keys, key)
	b.keys = append(b.keys, "")
	copy(b.keys[i+1:], b.keys[i:])
	b.keys[i] = key
}

func (b *bucket) removeKey(key string) {
	i := sort.SearchStrings(b.keys, key)
	if i < len(b.keys) && b.keys[i] == key {
		b.keys = append(b.keys[:i], b.keys[i+1:]...)
	}
}

// removeObject removes one object; missing keys are not an error, as in OSS.
func (s *Service) removeObject(b *bucket, key string) error {
	s.mu.Lock()
	rec := b.objects[key]
	if rec == nil {
		s.mu.Unlock()
		return nil
	}
	_, metaPath := b.objectPaths(key)
	if err := os.Remove(metaPath); err != nil && !errors.Is(err, os.ErrNotExist) {
		s.mu.Unlock()
		return fmt.Errorf("remove object metadata: %w", err)
	}
	delete(b.objects, key)
	b.removeKey(key)
	s.mu.Unlock()
	_ = os.Remove(b.dataPath(key, rec))
	return nil
}

// openObject returns the object's metadata and an open data file. The file is opened under the lock so a
// concurrent overwrite cannot remove it in between.
func (s *Service) openObject(bucketName, key string) (*os.File, ObjectMeta, *apiError) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b := s.buckets[bucketName]
	if b == nil || !b.Online {
		return nil, ObjectMeta{}, errNoSuchBucket(bucketName)
	}
	rec := b.objects[key]
	if rec == nil {
		return nil, ObjectMeta{}, errNoSuchKey(key)
	}
	f, err := os.Open(b.dataPath(key, rec))
	if err != nil {
		return nil, ObjectMeta{}, errInternal(fmt.Errorf("open object data: %w", err))
	}
	return f, rec.ObjectMeta, nil
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
