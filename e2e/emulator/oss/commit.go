package oss

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Writing, removing and opening objects. Every write commits staged files the same way; see store.go for
// the layout on disk.

// dataPresent reports whether every data file of rec, which live in dir, exists.
func dataPresent(dir string, rec *objectRecord) bool {
	for _, f := range rec.files() {
		if _, err := os.Stat(filepath.Join(dir, f.Name)); err != nil {
			return false
		}
	}
	return true
}

// commitObject makes the staged files, in order, the object's content: one file for a plain write, the
// parts of a multipart upload. Caller must not hold s.mu. forbidOverwrite makes an existing object a
// conflict, checked atomically with the write. Everything that can be prepared outside the lock is: only
// the metadata rename, the commit point, happens under it. On failure the staged files are where they
// were, for the caller to dispose of.
func (s *Service) commitObject(bucketName string, b *bucket, files []staged, meta ObjectMeta, forbidOverwrite bool) *apiError {
	dir, metaPath := b.objectPaths(meta.Key)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return errInternal(fmt.Errorf("create object dir: %w", err))
	}
	base := strings.TrimSuffix(filepath.Base(metaPath), ".json") + "." + randomHex(6)
	rec := &objectRecord{ObjectMeta: meta}
	if len(files) == 1 {
		rec.DataFile = base + ".data"
	} else {
		for i, f := range files {
			rec.PartFiles = append(rec.PartFiles, contentFile{Name: base + "." + strconv.Itoa(i+1) + ".data", Size: f.size})
		}
	}
	placed := 0
	unplace := func() {
		for i, f := range rec.files()[:placed] {
			_ = os.Rename(filepath.Join(dir, f.Name), files[i].path)
		}
	}
	for i, f := range rec.files() {
		if err := os.Rename(files[i].path, filepath.Join(dir, f.Name)); err != nil {
			unplace()
			return errInternal(fmt.Errorf("place object data: %w", err))
		}
		placed++
	}
	metaTmp, err := writeTempJSON(metaPath, rec)
	if err != nil {
		unplace()
		return errInternal(err)
	}
	abort := func(e *apiError) *apiError {
		unplace()
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
		// Readers that opened the old files keep reading them; they disappear with their last descriptor.
		removeData(dir, old)
	}
	return nil
}

func removeData(dir string, rec *objectRecord) {
	for _, f := range rec.files() {
		_ = os.Remove(filepath.Join(dir, f.Name))
	}
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
	dir, metaPath := b.objectPaths(key)
	if err := os.Remove(metaPath); err != nil && !errors.Is(err, os.ErrNotExist) {
		s.mu.Unlock()
		return fmt.Errorf("remove object metadata: %w", err)
	}
	delete(b.objects, key)
	b.removeKey(key)
	s.mu.Unlock()
	removeData(dir, rec)
	return nil
}

// openObject returns the object's metadata and its open content. The files are opened under the lock so a
// concurrent overwrite cannot remove them in between.
func (s *Service) openObject(bucketName, key string) (*content, ObjectMeta, *apiError) {
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
	dir, _ := b.objectPaths(key)
	c, err := openContent(dir, rec)
	if err != nil {
		return nil, ObjectMeta{}, errInternal(err)
	}
	return c, rec.ObjectMeta, nil
}

// statObject returns the object's metadata, for requests that send no content.
func (s *Service) statObject(bucketName, key string) (ObjectMeta, *apiError) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b := s.buckets[bucketName]
	if b == nil || !b.Online {
		return ObjectMeta{}, errNoSuchBucket(bucketName)
	}
	rec := b.objects[key]
	if rec == nil {
		return ObjectMeta{}, errNoSuchKey(key)
	}
	return rec.ObjectMeta, nil
}
