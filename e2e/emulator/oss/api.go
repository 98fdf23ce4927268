package oss

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
)

// The Go API below gives tests and the admin endpoint direct access to the state, bypassing signatures
// and faults. Offline buckets stay reachable through it, so a test can check that their data was kept.

// Upload describes an in-progress multipart upload.
type Upload struct {
	Bucket    string    `json:"bucket"`
	Key       string    `json:"key"`
	UploadID  string    `json:"uploadId"`
	Initiated time.Time `json:"initiated"`
	Parts     int       `json:"parts"`
}

// BucketState summarizes one bucket.
type BucketState struct {
	Name    string    `json:"name"`
	Online  bool      `json:"online"`
	Created time.Time `json:"created"`
	Objects int       `json:"objects"`
	Bytes   int64     `json:"bytes"`
	Uploads int       `json:"uploads"`
}

// State is everything the admin endpoint reports about OSS.
type State struct {
	Region  string        `json:"region"`
	Buckets []BucketState `json:"buckets"`
	Uploads []Upload      `json:"uploads"`
	Stats   Stats         `json:"stats"`
}

// CreateBucket creates an empty, online bucket.
func (s *Service) CreateBucket(name string) error {
	if !validBucketName(name) {
		return fmt.Errorf("create bucket %q: %w", name, ErrInvalidBucketName)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buckets[name] != nil {
		return fmt.Errorf("create bucket %q: %w", name, ErrBucketExists)
	}
	b := &bucket{Name: name, Created: s.now().UTC(), Online: true, dir: s.bucketDir(name),
		objects: map[string]*objectRecord{}, uploads: map[string]*upload{}}
	if err := os.MkdirAll(b.tmpDir(), 0o755); err != nil {
		return fmt.Errorf("create bucket %q: %w", name, err)
	}
	if err := writeJSON(filepath.Join(b.dir, "bucket.json"), b); err != nil {
		return fmt.Errorf("create bucket %q: %w", name, err)
	}
	s.buckets[name] = b
	return nil
}

// SetBucketOnline takes a bucket offline (it answers NoSuchBucket, its data is kept) or back online.
func (s *Service) SetBucketOnline(name string, online bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.buckets[name]
	if b == nil {
		return fmt.Errorf("set bucket %q online=%v: %w", name, online, ErrNoSuchBucket)
	}
	prev := b.Online
	b.Online = online
	if err := writeJSON(filepath.Join(b.dir, "bucket.json"), b); err != nil {
		b.Online = prev
		return fmt.Errorf("set bucket %q online=%v: %w", name, online, err)
	}
	return nil
}

// DeleteBucket removes a bucket with all its objects and uploads.
func (s *Service) DeleteBucket(name string) error {
	s.mu.Lock()
	b := s.buckets[name]
	if b == nil {
		s.mu.Unlock()
		return fmt.Errorf("delete bucket %q: %w", name, ErrNoSuchBucket)
	}
	delete(s.buckets, name)
	for _, u := range b.uploads {
		u.done.Store(true)
	}
	s.mu.Unlock()
	// Renaming first makes the deletion atomic for a later restart even if RemoveAll is interrupted.
	trash := b.dir + deletedSuffix + randomHex(4)
	if err := os.Rename(b.dir, trash); err != nil {
		return fmt.Errorf("delete bucket %q: %w", name, err)
	}
	if err := os.RemoveAll(trash); err != nil {
		return fmt.Errorf("delete bucket %q: %w", name, err)
	}
	return nil
}

func (s *Service) anyBucket(name string) (*bucket, error) {
	b := s.buckets[name]
	if b == nil {
		return nil, fmt.Errorf("bucket %q: %w", name, ErrNoSuchBucket)
	}
	return b, nil
}

// ListKeys returns the keys under prefix, sorted.
func (s *Service) ListKeys(bucketName, prefix string) ([]string, error) {
	objs, err := s.Objects(bucketName, prefix)
	var out []string
	for _, o := range objs {
		out = append(out, o.Key)
	}
	return out, err
}

// Objects returns the metadata of the objects under prefix, sorted by key.
func (s *Service) Objects(bucketName, prefix string) ([]ObjectMeta, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.anyBucket(bucketName)
	if err != nil {
		return nil, err
	}
	out := []ObjectMeta{}
	for i := sort.SearchStrings(b.keys, prefix); i < len(b.keys) && strings.HasPrefix(b.keys[i], prefix); i++ {
		meta := b.objects[b.keys[i]].ObjectMeta
		meta.UserMeta = maps.Clone(meta.UserMeta)
		out = append(out, meta)
	}
	return out, nil
}

// ObjectInfo returns an object's metadata.
func (s *Service) ObjectInfo(bucketName, key string) (ObjectMeta, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.anyBucket(bucketName)
	if err != nil {
		return ObjectMeta{}, err
	}
	rec := b.objects[key]
	if rec == nil {
		return ObjectMeta{}, fmt.Errorf("object %q in bucket %q: %w", key, bucketName, ErrNoSuchKey)
	}
	meta := rec.ObjectMeta
	meta.UserMeta = maps.Clone(meta.UserMeta)
	return meta, nil
}

// Object returns an object's content and metadata. It reads the whole object into memory: for tests with
// small objects.
func (s *Service) Object(bucketName, key string) ([]byte, ObjectMeta, error) {
	s.mu.RLock()
	b, err := s.anyBucket(bucketName)
	if err != nil {
		s.mu.RUnlock()
		return nil, ObjectMeta{}, err
	}
	rec := b.objects[key]
	if rec == nil {
		s.mu.RUnlock()
		return nil, ObjectMeta{}, fmt.Errorf("object %q in bucket %q: %w", key, bucketName, ErrNoSuchKey)
	}
	dir, _ := b.objectPaths(key)
	f, err := openContent(dir, rec)
	meta := rec.ObjectMeta
	s.mu.RUnlock()
	if err != nil {
		return nil, ObjectMeta{}, fmt.Errorf("object %q in bucket %q: %w", key, bucketName, err)
	}
	defer f.Close()
	data, err := io.ReadAll(f.reader())
	if err != nil {
		return nil, ObjectMeta{}, fmt.Errorf("read object %q in bucket %q: %w", key, bucketName, err)
	}
	meta.UserMeta = maps.Clone(meta.UserMeta)
	return data, meta, nil
}

// PutObject stores data as a Normal object with default attributes, for seeding tests.
func (s *Service) PutObject(bucketName, key string, data []byte) (ObjectMeta, error) {
	s.mu.RLock()
	b, err := s.anyBucket(bucketName)
	s.mu.RUnlock()
	if err != nil {
		return ObjectMeta{}, err
	}
	if e := validateKey(key); key == "" || e != nil {
		return ObjectMeta{}, fmt.Errorf("put object %q: invalid key", key)
	}
	rcv, e := s.store(b, bytes.NewReader(data), nil)
	if e != nil {
		return ObjectMeta{}, fmt.Errorf("put object %q: %w", key, e)
	}
	meta := ObjectMeta{Key: key, Size: rcv.size, ETag: rcv.etag(), CRC64: rcv.crc, ContentMD5: rcv.contentMD5(),
		LastModified: s.now().UTC(), ObjectType: "Normal", StorageClass: "Standard", ContentType: "application/octet-stream"}
	if e := s.commitObject(bucketName, b, []staged{{path: rcv.path, size: rcv.size}}, meta, false); e != nil {
		_ = os.Remove(rcv.path)
		return ObjectMeta{}, fmt.Errorf("put object %q: %w", key, e)
	}
	return meta, nil
}

// ListUploads returns the multipart uploads in progress in a bucket, by key.
func (s *Service) ListUploads(bucketName string) ([]Upload, error) {
	snaps, e := s.snapshotUploads(bucketName)
	if e != nil {
		return nil, fmt.Errorf("list uploads of bucket %q: %w", bucketName, ErrNoSuchBucket)
	}
	out := make([]Upload, 0, len(snaps))
	for _, sn := range snaps {
		out = append(out, Upload{Bucket: bucketName, Key: sn.key, UploadID: sn.id, Initiated: sn.upload.Initiated,
			Parts: int(sn.upload.partCount.Load())})
	}
	return out, nil
}

// State summarizes buckets, uploads and counters.
func (s *Service) State() State {
	st := State{Region: s.cfg.Region, Stats: s.Stats(), Buckets: []BucketState{}, Uploads: []Upload{}}
	s.mu.RLock()
	names := slices.Sorted(maps.Keys(s.buckets))
	for _, name := range names {
		b := s.buckets[name]
		bs := BucketState{Name: name, Online: b.Online, Created: b.Created, Objects: len(b.objects), Uploads: len(b.uploads)}
		for _, rec := range b.objects {
			bs.Bytes += rec.Size
		}
		st.Buckets = append(st.Buckets, bs)
	}
	s.mu.RUnlock()
	for _, name := range names {
		if ups, err := s.ListUploads(name); err == nil {
			st.Uploads = append(st.Uploads, ups...)
		}
	}
	return st
}

// IsNotFound reports whether err from the Go API means a missing bucket, key or upload.
func IsNotFound(err error) bool {
	return errors.Is(err, ErrNoSuchBucket) || errors.Is(err, ErrNoSuchKey) || errors.Is(err, ErrNoSuchUpload)
}
