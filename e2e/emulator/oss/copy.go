package oss

import (
	"encoding/xml"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// linkFile is os.Link, replaceable so a test can take the path of a file system without hard links.
var linkFile = os.Link

type copyObjectResult struct {
	XMLName      xml.Name `xml:"CopyObjectResult"`
	LastModified string   `xml:"LastModified"`
	ETag         string   `xml:"ETag"`
}

// copyObject is PUT with "x-oss-copy-source: /bucket/key", within a bucket or between two. The copy has
// the source's bytes, hence its ETag, CRC-64 and object type. Its attributes (Content-Type and the other
// standard headers, user metadata) come from the source with x-oss-metadata-directive COPY, the default, or
// from the request with REPLACE. Storage class and encryption come from the request either way: OSS does
// not carry the source's encryption over. Copying an object onto itself is how OSS changes metadata, so it
// is allowed.
func (s *Service) copyObject(c *call) *apiError {
	srcBucket, srcKey, e := parseCopySource(c.r.Header.Get("x-oss-copy-source"))
	if e != nil {
		return e
	}
	directive := c.r.Header.Get("x-oss-metadata-directive")
	if directive != "" && directive != "COPY" && directive != "REPLACE" {
		return errInvalidArgument("The x-oss-metadata-directive header must be COPY or REPLACE.", "x-oss-metadata-directive", directive)
	}
	reqMeta, e := metaFromHeaders(c.key, c.r.Header)
	if e != nil {
		return e
	}
	dst, e := s.onlineBucket(c.bucket)
	if e != nil {
		return e
	}
	files, src, e := s.shareObject(srcBucket, srcKey, dst)
	if e != nil {
		return e
	}
	status, e := checkConditionsOf(c.r.Header, "x-oss-copy-source-", src)
	if e != nil || status == http.StatusNotModified {
		removeStaged(files)
		if e == nil {
			c.w.WriteHeader(status)
		}
		return e
	}
	meta := copiedMeta(src, reqMeta, directive == "REPLACE")
	meta.LastModified = s.now().UTC()
	if e := s.commitObject(c.bucket, dst, files, meta, forbidOverwrite(c.r.Header)); e != nil {
		removeStaged(files)
		return e
	}
	h := c.w.Header()
	h.Set("x-oss-hash-crc64ecma", strconv.FormatUint(meta.CRC64, 10))
	writeSSEHeaders(h, meta)
	return c.writeXML(copyObjectResult{LastModified: formatXMLTime(meta.LastModified), ETag: meta.ETag})
}

// parseCopySource splits "/bucket/key" (the leading slash optional) with the key URL-encoded. The OSS SDK
// v2 percent-encodes everything but unreserved characters and the older SDK uses url.QueryEscape, where "+"
// is a space: url.QueryUnescape reads both. A versionId other than "null" names a version the emulator,
// which has no versioning, cannot have.
func parseCopySource(v string) (bucket, key string, e *apiError) {
	bad := errInvalidArgument("x-oss-copy-source must be /SourceBucketName/SourceObjectName.", "x-oss-copy-source", v)
	raw, query, _ := strings.Cut(v, "?")
	params, err := url.ParseQuery(query)
	if err != nil {
		return "", "", bad
	}
	if id := params.Get("versionId"); id != "" && id != "null" {
		return "", "", newError(http.StatusNotFound, "NoSuchVersion", "The specified version does not exist.").with("VersionId", id)
	}
	decoded, err := url.QueryUnescape(strings.TrimPrefix(raw, "/"))
	if err != nil {
		return "", "", bad
	}
	bucket, key, ok := strings.Cut(decoded, "/")
	if !ok || !validBucketName(bucket) || key == "" {
		return "", "", bad
	}
	if e := validateKey(key); e != nil {
		return "", "", e
	}
	return bucket, key, nil
}

// copiedMeta is the copy's metadata: content from the source, attributes from the source or the request.
func copiedMeta(src, req ObjectMeta, replace bool) ObjectMeta {
	m := req
	m.Size, m.ETag, m.CRC64, m.ContentMD5, m.ObjectType = src.Size, src.ETag, src.CRC64, src.ContentMD5, src.ObjectType
	if !replace {
		m.ContentType, m.CacheControl, m.ContentDisposition = src.ContentType, src.CacheControl, src.ContentDisposition
		m.ContentEncoding, m.Expires, m.UserMeta = src.ContentEncoding, src.Expires, src.UserMeta
	}
	return m
}

// shareObject gives bucket dst temporary files with the content of bucketName/key and returns the
// source's metadata. The files are hard links to the source's data files: data files are never written
// after they are committed (every write makes new ones), so two names for one file behave as two copies
// and a copy costs neither time nor space. The links are made under the lock, so a concurrent overwrite or
// delete cannot remove the source in between; where the file system refuses links, the bytes are copied
// into one file from descriptors opened under the lock instead.
func (s *Service) shareObject(bucketName, key string, dst *bucket) ([]staged, ObjectMeta, *apiError) {
	s.mu.RLock()
	b := s.buckets[bucketName]
	if b == nil || !b.Online {
		s.mu.RUnlock()
		return nil, ObjectMeta{}, errNoSuchBucket(bucketName)
	}
	rec := b.objects[key]
	if rec == nil {
		s.mu.RUnlock()
		return nil, ObjectMeta{}, errNoSuchKey(key)
	}
	meta := rec.ObjectMeta
	meta.UserMeta = maps.Clone(meta.UserMeta)
	dir, _ := b.objectPaths(key)
	files, linkErr := linkAll(dir, rec.files(), filepath.Join(dst.tmpDir(), "copy-"+randomHex(8)))
	var (
		src     *content
		openErr error
	)
	if linkErr != nil {
		src, openErr = openContent(dir, rec)
	}
	s.mu.RUnlock()
	switch {
	case linkErr == nil:
		return files, meta, nil
	case openErr != nil:
		return nil, ObjectMeta{}, errInternal(fmt.Errorf("open copy source %s/%s: %w", bucketName, key, openErr))
	}
	defer src.Close()
	tmp := filepath.Join(dst.tmpDir(), "copy-"+randomHex(8))
	if err := copyToFile(src.reader(), tmp); err != nil {
		return nil, ObjectMeta{}, errInternal(fmt.Errorf("copy %s/%s: %w", bucketName, key, err))
	}
	return []staged{{path: tmp, size: meta.Size}}, meta, nil
}

// linkAll hard-links the data files in dir to prefix.1, prefix.2...; on failure it leaves none behind.
func linkAll(dir string, files []contentFile, prefix string) ([]staged, error) {
	out := make([]staged, 0, len(files))
	for i, f := range files {
		path := prefix + "." + strconv.Itoa(i+1)
		if err := linkFile(filepath.Join(dir, f.Name), path); err != nil {
			removeStaged(out)
			return nil, err
		}
		out = append(out, staged{path: path, size: f.Size})
	}
	return out, nil
}

// copyToFile writes src into a new file at path.
func copyToFile(src io.Reader, path string) error {
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, src); err != nil {
		_ = out.Close()
		_ = os.Remove(path)
		return err
	}
	if err := out.Close(); err != nil {
		_ = os.Remove(path)
		return err
	}
	return nil
}
