package oss

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/faults"
)

func forbidOverwrite(h http.Header) bool {
	return strings.EqualFold(h.Get("x-oss-forbid-overwrite"), "true")
}

func (s *Service) putObject(c *call) *apiError {
	meta, e := metaFromHeaders(c.key, c.r.Header)
	if e != nil {
		return e
	}
	b, e := s.onlineBucket(c.bucket)
	if e != nil {
		return e
	}
	forbid := forbidOverwrite(c.r.Header)
	if forbid {
		// Checked early too so a client does not upload gigabytes only to be refused.
		s.mu.RLock()
		exists := b.objects[c.key] != nil
		s.mu.RUnlock()
		if exists {
			return newError(http.StatusConflict, "FileAlreadyExists", "The object you specified already exists and can not be overwritten.")
		}
	}
	rcv, e := s.receiveBody(c, b)
	if e != nil {
		return e
	}
	meta.Size, meta.ETag, meta.CRC64, meta.ContentMD5 = rcv.size, rcv.etag(), rcv.crc, rcv.contentMD5()
	meta.LastModified, meta.ObjectType = s.now().UTC(), "Normal"
	if e := s.commitObject(c.bucket, b, []staged{{path: rcv.path, size: rcv.size}}, meta, forbid); e != nil {
		_ = os.Remove(rcv.path)
		return e
	}
	h := c.w.Header()
	h.Set("ETag", meta.ETag)
	h.Set("Content-MD5", meta.ContentMD5)
	h.Set("x-oss-hash-crc64ecma", strconv.FormatUint(meta.CRC64, 10))
	h.Set("Content-Length", "0")
	writeSSEHeaders(h, meta)
	c.w.WriteHeader(http.StatusOK)
	return nil
}

// responseOverrides are the GetObject query parameters that replace response headers.
var responseOverrides = map[string]string{
	"response-content-type":        "Content-Type",
	"response-content-language":    "Content-Language",
	"response-expires":             "Expires",
	"response-cache-control":       "Cache-Control",
	"response-content-disposition": "Content-Disposition",
	"response-content-encoding":    "Content-Encoding",
}

func (s *Service) getObject(c *call) *apiError {
	f, meta, e := s.openObject(c.bucket, c.key)
	if e != nil {
		return e
	}
	defer f.Close()
	h := c.w.Header()
	writeObjectHeaders(h, meta)
	for param, header := range responseOverrides {
		if v := c.query.Get(param); v != "" {
			h.Set(header, v)
		}
	}
	if status, e := checkConditions(c.r.Header, meta); e != nil {
		return e
	} else if status == http.StatusNotModified {
		c.w.WriteHeader(status)
		return nil
	}
	rng, e := parseRange(c.r.Header.Get("Range"), meta.Size, strings.EqualFold(c.r.Header.Get("x-oss-range-behavior"), "standard"))
	if e != nil {
		return e
	}
	status, offset, length := http.StatusOK, int64(0), meta.Size
	if rng != nil {
		status, offset, length = http.StatusPartialContent, rng.start, rng.length
		h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", rng.start, rng.start+rng.length-1, meta.Size))
	}
	body := io.NewSectionReader(f, offset, length)
	if c.resetResponse {
		c.errCode = "ConnectionReset"
		return s.resetMidResponse(c, status, body, length)
	}
	h.Set("Content-Length", strconv.FormatInt(length, 10))
	c.w.WriteHeader(status)
	bufp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bufp)
	n, err := io.CopyBuffer(c.w, body, *bufp)
	s.stats.bytesOut.Add(n)
	if err != nil && !errors.Is(err, io.EOF) {
		s.log.WithError(err).WithField("request_id", c.id).Debug("client went away during GetObject")
	}
	return nil
}

func (s *Service) resetMidResponse(c *call, status int, body io.Reader, length int64) *apiError {
	if err := faults.ResetResponse(c.w, status, c.w.Header(), body, length); err != nil {
		s.log.WithError(err).WithField("request_id", c.id).Warn("fault: reset failed")
	}
	return nil
}

func (s *Service) headObject(c *call) *apiError {
	meta, e := s.statObject(c.bucket, c.key)
	if e != nil {
		return e
	}
	h := c.w.Header()
	writeObjectHeaders(h, meta)
	if status, e := checkConditions(c.r.Header, meta); e != nil {
		return e
	} else if status == http.StatusNotModified {
		c.w.WriteHeader(status)
		return nil
	}
	h.Set("Content-Length", strconv.FormatInt(meta.Size, 10))
	c.w.WriteHeader(http.StatusOK)
	return nil
}

// getObjectMeta is HEAD ?objectMeta: only size, ETag, time and CRC, which is what IsObjectExist calls.
func (s *Service) getObjectMeta(c *call) *apiError {
	meta, e := s.statObject(c.bucket, c.key)
	if e != nil {
		return e
	}
	h := c.w.Header()
	h.Set("ETag", meta.ETag)
	h.Set("Last-Modified", meta.LastModified.UTC().Format(http.TimeFormat))
	h.Set("x-oss-last-access-time", meta.LastModified.UTC().Format(http.TimeFormat))
	h.Set("x-oss-hash-crc64ecma", strconv.FormatUint(meta.CRC64, 10))
	h.Set("Content-Length", strconv.FormatInt(meta.Size, 10))
	c.w.WriteHeader(http.StatusOK)
	return nil
}

// deleteObject answers 204 whether or not the key existed, as OSS does.
func (s *Service) deleteObject(c *call) *apiError {
	b, e := s.onlineBucket(c.bucket)
	if e != nil {
		return e
	}
	if err := s.removeObject(b, c.key); err != nil {
		return errInternal(err)
	}
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}
