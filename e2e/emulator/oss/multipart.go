package oss

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
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

// selectParts validates the part list of a Complete request against what was uploaded.
func (u *upload) selectParts(req completeRequest, all bool) ([]*part, *apiError) {
	if all {
		var ps []*part
		for _, p := range u.parts {
			ps = append(ps, p)
		}
		sort.Slice(ps, func(i, j int) bool { return ps[i].Number < ps[j].Number })
		req.Parts = nil
		for _, p := range ps {
			req.Parts = append(req.Parts, completePart{PartNumber: p.Number, ETag: p.ETag})
		}
	}
	if len(req.Parts) == 0 {
		return nil, errMalformedXML(errors.New("no parts to complete"))
	}
	out := make([]*part, 0, len(req.Parts))
	for i, rp := range req.Parts {
		if i > 0 && rp.PartNumber <= req.Parts[i-1].PartNumber {
			return nil, newError(http.StatusBadRequest, "InvalidPartOrder",
				"The list of parts was not in ascending order. Parts must be ordered by part number.")
		}
		p := u.parts[rp.PartNumber]
		if p == nil || normalizeETag(rp.ETag) != normalizeETag(p.ETag) {
			return nil, newError(http.StatusBadRequest, "InvalidPart",
				"One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag.").
				with("PartNumber", strconv.Itoa(rp.PartNumber)).with("ETag", rp.ETag)
		}
		out = append(out, p)
	}
	for _, p := range out[:len(out)-1] {
		if p.Size < minPartSize {
			return nil, newError(http.StatusBadRequest, "EntityTooSmall",
				"Your proposed upload is smaller than the minimum allowed size.").
				with("PartNumber", strconv.Itoa(p.Number)).with("ProposedSize", strconv.FormatInt(p.Size, 10)).
				with("MinSizeAllowed", strconv.Itoa(minPartSize))
		}
	}
	return out, nil
}

func (s *Service) completeMultipartUpload(c *call) *apiError {
	enc, e := c.encoder()
	if e != nil {
		return e
	}
	b, u, e := s.findUpload(c)
	if e != nil {
		return e
	}
	body, e := readXMLBody(c.r)
	if e != nil {
		return e
	}
	all := strings.EqualFold(c.r.Header.Get("x-oss-complete-all"), "yes")
	var req completeRequest
	if all && len(body) > 0 {
		return errInvalidArgument("A request with x-oss-complete-all must not have a body.", "x-oss-complete-all", "yes")
	}
	if !all {
		if err := xml.Unmarshal(body, &req); err != nil {
			return errMalformedXML(err)
		}
	}

	u.mu.Lock()
	defer u.mu.Unlock()
	if u.done.Load() {
		return errNoSuchUpload(u.ID)
	}
	parts, e := u.selectParts(req, all)
	if e != nil {
		return e
	}
	meta, tmp, e := s.assemble(b, u, parts)
	if e != nil {
		return e
	}
	if e := s.commitObject(c.bucket, b, tmp, meta, forbidOverwrite(c.r.Header)); e != nil {
		_ = os.Remove(tmp)
		return e
	}
	u.done.Store(true)
	s.mu.Lock()
	delete(b.uploads, u.ID)
	s.mu.Unlock()
	_ = os.RemoveAll(u.dir)

	h := c.w.Header()
	h.Set("x-oss-hash-crc64ecma", strconv.FormatUint(meta.CRC64, 10))
	writeSSEHeaders(h, meta)
	return c.writeXML(completeResult{EncodingType: enc.name(), Location: "http://" + c.r.Host + "/" + c.bucket + "/" + enc.apply(c.key),
		Bucket: c.bucket, Key: enc.apply(c.key), ETag: meta.ETag})
}

// assemble concatenates the parts into one temporary file. io.Copy between two files uses
// copy_file_range on Linux, so the bytes never pass through this process; the CRC of the whole object is
// combined from the part CRCs and the ETag is the MD5 of the parts' MD5s, as OSS computes it.
func (s *Service) assemble(b *bucket, u *upload, parts []*part) (ObjectMeta, string, *apiError) {
	out, err := os.CreateTemp(b.tmpDir(), "complete-*")
	if err != nil {
		return ObjectMeta{}, "", errInternal(fmt.Errorf("create temp file: %w", err))
	}
	fail := func(err error) (ObjectMeta, string, *apiError) {
		_ = out.Close()
		_ = os.Remove(out.Name())
		return ObjectMeta{}, "", errInternal(err)
	}
	var (
		size int64
		crc  uint64
		md5s = md5.New()
	)
	for _, p := range parts {
		in, err := os.Open(filepath.Join(u.dir, p.DataFile))
		if err != nil {
			return fail(fmt.Errorf("open part %d: %w", p.Number, err))
		}
		n, err := io.Copy(out, in)
		_ = in.Close()
		if err != nil || n != p.Size {
			return fail(fmt.Errorf("copy part %d (%d of %d bytes): %w", p.Number, n, p.Size, err))
		}
		sum, err := hex.DecodeString(normalizeETag(p.ETag))
		if err != nil {
			return fail(fmt.Errorf("part %d has a malformed etag %q: %w", p.Number, p.ETag, err))
		}
		md5s.Write(sum)
		crc = crc64Combine(crc, p.CRC64, p.Size)
		size += p.Size
	}
	if err := out.Close(); err != nil {
		return fail(fmt.Errorf("close assembled object: %w", err))
	}
	meta := u.Meta
	meta.Key, meta.Size, meta.CRC64, meta.ContentMD5 = u.Key, size, crc, ""
	meta.ETag = fmt.Sprintf(`"%s-%d"`, strings.ToUpper(hex.EncodeToString(md5s.Sum(nil))), len(parts))
	meta.LastModified, meta.ObjectType = s.now().UTC(), "Multipart"
	return meta, out.Name(), nil
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
