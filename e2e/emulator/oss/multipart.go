package oss

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const (
	minPartSize = 100 << 10 // every part but the last must be at least this big
	maxParts    = 10000
)

// upload is an in-progress multipart upload. mu serializes part commits, Complete and Abort on it; done
// marks it finished so late part uploads fail with NoSuchUpload. Lock order: upload.mu before Service.mu.
type upload struct {
	ID        string     `json:"id"`
	Key       string     `json:"key"`
	Initiated time.Time  `json:"initiated"`
	Meta      ObjectMeta `json:"meta"` // attributes from the initiate request

	mu        sync.Mutex
	done      atomic.Bool
	partCount atomic.Int32 // len(parts), readable without mu
	dir       string
	parts     map[int]*part
}

type part struct {
	Number       int       `json:"number"`
	Size         int64     `json:"size"`
	ETag         string    `json:"etag"`
	CRC64        uint64    `json:"crc64"`
	LastModified time.Time `json:"lastModified"`
	DataFile     string    `json:"dataFile"`
}

func (s *Service) loadUploads(b *bucket) error {
	ents, err := os.ReadDir(filepath.Join(b.dir, "uploads"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("list uploads: %w", err)
	}
	for _, ent := range ents {
		dir := filepath.Join(b.dir, "uploads", ent.Name())
		u := &upload{dir: dir, parts: map[int]*part{}}
		if err := readJSON(filepath.Join(dir, "upload.json"), u); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				_ = os.RemoveAll(dir) // an initiate that never committed
				continue
			}
			return err
		}
		files, err := os.ReadDir(dir)
		if err != nil {
			return fmt.Errorf("list upload %s: %w", u.ID, err)
		}
		referenced := map[string]bool{}
		for _, f := range files {
			if name := f.Name(); strings.HasSuffix(name, ".json") && name != "upload.json" && !strings.Contains(name, ".tmp-") {
				p := &part{}
				if err := readJSON(filepath.Join(dir, name), p); err != nil {
					return err
				}
				u.parts[p.Number], referenced[p.DataFile] = p, true
			}
		}
		u.partCount.Store(int32(len(u.parts)))
		for _, f := range files {
			if name := f.Name(); strings.Contains(name, ".tmp-") || strings.HasSuffix(name, ".data") && !referenced[name] {
				_ = os.Remove(filepath.Join(dir, name))
			}
		}
		b.uploads[u.ID] = u
	}
	return nil
}

func (s *Service) findUpload(c *call) (*bucket, *upload, *apiError) {
	id := c.query.Get("uploadId")
	s.mu.RLock()
	defer s.mu.RUnlock()
	b := s.buckets[c.bucket]
	if b == nil || !b.Online {
		return nil, nil, errNoSuchBucket(c.bucket)
	}
	u := b.uploads[id]
	if u == nil || u.Key != c.key || u.done.Load() {
		return nil, nil, errNoSuchUpload(id)
	}
	return b, u, nil
}

func (s *Service) initiateMultipartUpload(c *call) *apiError {
	enc, e := c.encoder()
	if e != nil {
		return e
	}
	meta, e := metaFromHeaders(c.key, c.r.Header)
	if e != nil {
		return e
	}
	b, e := s.onlineBucket(c.bucket)
	if e != nil {
		return e
	}
	u := &upload{ID: strings.ToUpper(randomHex(16)), Key: c.key, Initiated: s.now().UTC(), Meta: meta, parts: map[int]*part{}}
	u.dir = filepath.Join(b.dir, "uploads", u.ID)
	if err := os.MkdirAll(u.dir, 0o755); err != nil {
		return errInternal(fmt.Errorf("create upload dir: %w", err))
	}
	if err := writeJSON(filepath.Join(u.dir, "upload.json"), u); err != nil {
		_ = os.RemoveAll(u.dir)
		return errInternal(err)
	}
	s.mu.Lock()
	if s.buckets[c.bucket] != b {
		s.mu.Unlock()
		_ = os.RemoveAll(u.dir)
		return errNoSuchBucket(c.bucket)
	}
	b.uploads[u.ID] = u
	s.mu.Unlock()
	writeSSEHeaders(c.w.Header(), meta)
	return c.writeXML(initiateResult{Bucket: c.bucket, Key: enc.apply(c.key), UploadID: u.ID, EncodingType: enc.name()})
}

func (s *Service) uploadPart(c *call) *apiError {
	raw := c.query.Get("partNumber")
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > maxParts {
		return errInvalidArgument("Part number must be an integer between 1 and 10000, inclusive.", "partNumber", raw)
	}
	b, u, e := s.findUpload(c)
	if e != nil {
		return e
	}
	rcv, e := s.receiveBody(c, b)
	if e != nil {
		return e
	}
	p := &part{Number: n, Size: rcv.size, ETag: rcv.etag(), CRC64: rcv.crc, LastModified: s.now().UTC(),
		DataFile: strconv.Itoa(n) + "." + randomHex(6) + ".data"}
	if e := u.commitPart(p, rcv.path); e != nil {
		_ = os.Remove(rcv.path)
		return e
	}
	h := c.w.Header()
	h.Set("ETag", p.ETag)
	h.Set("Content-MD5", rcv.contentMD5())
	h.Set("x-oss-hash-crc64ecma", strconv.FormatUint(p.CRC64, 10))
	h.Set("Content-Length", "0")
	writeSSEHeaders(h, u.Meta)
	c.w.WriteHeader(http.StatusOK)
	return nil
}

// commitPart places a received part; uploading the same number again replaces it, as in OSS.
func (u *upload) commitPart(p *part, tmpPath string) *apiError {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.done.Load() {
		return errNoSuchUpload(u.ID)
	}
	if err := os.Rename(tmpPath, filepath.Join(u.dir, p.DataFile)); err != nil {
		return errInternal(fmt.Errorf("place part data: %w", err))
	}
	if err := writeJSON(filepath.Join(u.dir, strconv.Itoa(p.Number)+".json"), p); err != nil {
		_ = os.Remove(filepath.Join(u.dir, p.DataFile))
		return errInternal(err)
	}
	if old := u.parts[p.Number]; old != nil {
		_ = os.Remove(filepath.Join(u.dir, old.DataFile))
	}
	u.parts[p.Number] = p
	u.partCount.Store(int32(len(u.parts)))
	return nil
}

func (s *Service) abortMultipartUpload(c *call) *apiError {
	b, u, e := s.findUpload(c)
	if e != nil {
		return e
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.done.Swap(true) {
		return errNoSuchUpload(u.ID)
	}
	s.mu.Lock()
	delete(b.uploads, u.ID)
	s.mu.Unlock()
	if err := os.RemoveAll(u.dir); err != nil {
		return errInternal(fmt.Errorf("remove upload: %w", err))
	}
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}
