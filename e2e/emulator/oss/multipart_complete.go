package oss

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

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
	meta, e := s.completedMeta(u, parts)
	if e != nil {
		return e
	}
	files, undo, e := stageParts(b, u, parts)
	if e != nil {
		return e
	}
	if e := s.commitObject(c.bucket, b, files, meta, forbidOverwrite(c.r.Header)); e != nil {
		undo()
		return e
	}
	u.done.Store(true)
	s.mu.Lock()
	delete(b.uploads, u.ID)
	s.mu.Unlock()
	_ = os.RemoveAll(u.dir) // the object has its own names for the parts it uses; the rest go

	h := c.w.Header()
	h.Set("x-oss-hash-crc64ecma", strconv.FormatUint(meta.CRC64, 10))
	writeSSEHeaders(h, meta)
	return c.writeXML(completeResult{EncodingType: enc.name(), Location: "http://" + c.r.Host + "/" + c.bucket + "/" + enc.apply(c.key),
		Bucket: c.bucket, Key: enc.apply(c.key), ETag: meta.ETag})
}

// completedMeta is the metadata of the object the parts make, computed from the parts' own: the CRC of the
// whole object is combined from the part CRCs and the ETag is the MD5 of the parts' MD5s, as OSS computes
// it. No byte of data is read.
func (s *Service) completedMeta(u *upload, parts []*part) (ObjectMeta, *apiError) {
	var (
		size int64
		crc  uint64
		md5s = md5.New()
	)
	for _, p := range parts {
		sum, err := hex.DecodeString(normalizeETag(p.ETag))
		if err != nil {
			return ObjectMeta{}, errInternal(fmt.Errorf("part %d has a malformed etag %q: %w", p.Number, p.ETag, err))
		}
		md5s.Write(sum)
		crc = crc64Combine(crc, p.CRC64, p.Size)
		size += p.Size
	}
	meta := u.Meta
	meta.Key, meta.Size, meta.CRC64, meta.ContentMD5 = u.Key, size, crc, ""
	meta.ETag = fmt.Sprintf(`"%s-%d"`, strings.ToUpper(hex.EncodeToString(md5s.Sum(nil))), len(parts))
	meta.LastModified, meta.ObjectType = s.now().UTC(), "Multipart"
	return meta, nil
}

// stageParts puts the parts into the bucket's tmp directory for commitObject without copying a byte: as
// hard links, so that the upload stays whole until the object is committed (a crash in between leaves
// only links, swept at the next start), or by moving them where the file system refuses links. undo puts
// the parts back as they were when the commit fails.
func stageParts(b *bucket, u *upload, parts []*part) (files []staged, undo func(), e *apiError) {
	prefix := filepath.Join(b.tmpDir(), "complete-"+randomHex(6)+"-")
	var moved []bool
	undo = func() {
		for i, f := range files {
			if moved[i] {
				_ = os.Rename(f.path, filepath.Join(u.dir, parts[i].DataFile))
			} else {
				_ = os.Remove(f.path)
			}
		}
	}
	for _, p := range parts {
		src, dst := filepath.Join(u.dir, p.DataFile), prefix+strconv.Itoa(p.Number)
		move := linkFile(src, dst) != nil
		if move {
			if err := os.Rename(src, dst); err != nil {
				undo()
				return nil, nil, errInternal(fmt.Errorf("stage part %d: %w", p.Number, err))
			}
		}
		files, moved = append(files, staged{path: dst, size: p.Size}), append(moved, move)
	}
	return files, undo, nil
}
