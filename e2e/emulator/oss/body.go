package oss

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc64"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
)

const (
	maxObjectSize = 5 << 30   // PutObject and UploadPart limit
	maxXMLBody    = 4 << 20   // CompleteMultipartUpload with 10,000 parts fits comfortably
	copyBufSize   = 256 << 10 // large enough to keep disk writes efficient, small enough to pool freely
)

var (
	crcTable = crc64.MakeTable(crc64.ECMA)
	bufPool  = sync.Pool{New: func() any { b := make([]byte, copyBufSize); return &b }}
)

// received is a request body stored in a temporary file, with the digests OSS reports.
type received struct {
	path string
	size int64
	md5  []byte
	crc  uint64
}

func (r received) etag() string { return `"` + strings.ToUpper(hex.EncodeToString(r.md5)) + `"` }

func (r received) contentMD5() string { return base64.StdEncoding.EncodeToString(r.md5) }

// expectedMD5 decodes the Content-MD5 header, if any.
func expectedMD5(r *http.Request) ([]byte, *apiError) {
	v := r.Header.Get("Content-MD5")
	if v == "" {
		return nil, nil
	}
	sum, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(sum) != md5.Size {
		e := newError(http.StatusBadRequest, "InvalidDigest", "The Content-MD5 you specified is not valid.")
		e.ec = "0017-00000502"
		return nil, e
	}
	return sum, nil
}

// errDigestMismatch is what OSS answers when the body does not match its Content-MD5: the same InvalidDigest
// code as a malformed header (S3 says BadDigest here, OSS does not), told apart only by the EC.
func errDigestMismatch() *apiError {
	e := newError(http.StatusBadRequest, "InvalidDigest", "The Content-MD5 you specified was invalid.")
	e.ec = "0017-00000503"
	return e
}

// receiveBody streams the request body into a temporary file of bucket b while computing MD5 and CRC-64,
// so memory use does not depend on the object size.
func (s *Service) receiveBody(c *call, b *bucket) (received, *apiError) {
	wantMD5, e := expectedMD5(c.r)
	if e != nil {
		return received{}, e
	}
	if c.r.ContentLength > maxObjectSize {
		return received{}, newError(http.StatusBadRequest, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size.")
	}
	var body io.Reader = http.NoBody
	if c.r.Body != nil {
		body = c.r.Body
	}
	return s.store(b, body, wantMD5)
}

// store copies body into a temporary file of bucket b. Any failure removes the file.
func (s *Service) store(b *bucket, body io.Reader, wantMD5 []byte) (received, *apiError) {
	f, err := os.CreateTemp(b.tmpDir(), "body-*")
	if err != nil {
		return received{}, errInternal(fmt.Errorf("create temp file: %w", err))
	}
	rcv := received{path: f.Name()}
	fail := func(e *apiError) (received, *apiError) {
		_ = f.Close()
		_ = os.Remove(rcv.path)
		return received{}, e
	}
	md5h, crch := md5.New(), crc64.New(crcTable)
	bufp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bufp)
	n, err := io.CopyBuffer(io.MultiWriter(f, md5h, crch), io.LimitReader(body, maxObjectSize+1), *bufp)
	switch {
	case err != nil:
		var pathErr *os.PathError
		if errors.As(err, &pathErr) {
			return fail(errInternal(fmt.Errorf("store body: %w", err)))
		}
		return fail(newError(http.StatusBadRequest, "IncompleteBody",
			"You did not provide the number of bytes specified by the Content-Length HTTP header: "+err.Error()))
	case n > maxObjectSize:
		return fail(newError(http.StatusBadRequest, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size."))
	}
	if err := f.Close(); err != nil {
		return fail(errInternal(fmt.Errorf("close temp file: %w", err)))
	}
	rcv.size, rcv.md5, rcv.crc = n, md5h.Sum(nil), crch.Sum64()
	if wantMD5 != nil && !bytes.Equal(wantMD5, rcv.md5) {
		_ = os.Remove(rcv.path)
		return received{}, errDigestMismatch()
	}
	s.stats.bytesIn.Add(n)
	return rcv, nil
}

// readXMLBody reads a small request body (XML documents) and checks its Content-MD5.
func readXMLBody(r *http.Request) ([]byte, *apiError) {
	wantMD5, e := expectedMD5(r)
	if e != nil {
		return nil, e
	}
	if r.Body == nil {
		return nil, nil
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxXMLBody+1))
	if err != nil {
		return nil, newError(http.StatusBadRequest, "IncompleteBody", "The request body could not be read: "+err.Error())
	}
	if len(data) > maxXMLBody {
		return nil, newError(http.StatusBadRequest, "InvalidArgument", "The request body is too large.")
	}
	if sum := md5.Sum(data); wantMD5 != nil && !bytes.Equal(wantMD5, sum[:]) {
		return nil, errDigestMismatch()
	}
	return data, nil
}

var (
	storageClasses = map[string]bool{"Standard": true, "IA": true, "Archive": true, "ColdArchive": true, "DeepColdArchive": true}
	sseAlgorithms  = map[string]bool{"AES256": true, "KMS": true, "SM4": true}
)

// metaFromHeaders reads the object attributes a PutObject or InitiateMultipartUpload request sets.
func metaFromHeaders(key string, h http.Header) (ObjectMeta, *apiError) {
	m := ObjectMeta{
		Key:                       key,
		ContentType:               h.Get("Content-Type"),
		CacheControl:              h.Get("Cache-Control"),
		ContentDisposition:        h.Get("Content-Disposition"),
		ContentEncoding:           h.Get("Content-Encoding"),
		Expires:                   h.Get("Expires"),
		StorageClass:              h.Get("x-oss-storage-class"),
		ServerSideEncryption:      h.Get("x-oss-server-side-encryption"),
		ServerSideEncryptionKeyID: h.Get("x-oss-server-side-encryption-key-id"),
		ServerSideDataEncryption:  h.Get("x-oss-server-side-data-encryption"),
	}
	if m.ContentType == "" {
		m.ContentType = "application/octet-stream"
	}
	if m.StorageClass == "" {
		m.StorageClass = "Standard"
	} else if !storageClasses[m.StorageClass] {
		return ObjectMeta{}, errInvalidArgument("Invalid storage class.", "x-oss-storage-class", m.StorageClass)
	}
	if m.ServerSideEncryption != "" && !sseAlgorithms[m.ServerSideEncryption] {
		return ObjectMeta{}, newError(http.StatusBadRequest, "InvalidEncryptionAlgorithmError",
			"The Encryption request you specified is not valid. Supported value: AES256, KMS, SM4.").
			with("ArgumentName", "x-oss-server-side-encryption").with("ArgumentValue", m.ServerSideEncryption)
	}
	if m.ServerSideEncryptionKeyID != "" && m.ServerSideEncryption != "KMS" {
		return ObjectMeta{}, errInvalidArgument("x-oss-server-side-encryption-key-id requires x-oss-server-side-encryption: KMS.",
			"x-oss-server-side-encryption-key-id", m.ServerSideEncryptionKeyID)
	}
	if m.ServerSideDataEncryption != "" && (m.ServerSideEncryption != "KMS" || m.ServerSideDataEncryption != "SM4") {
		return ObjectMeta{}, errInvalidArgument("x-oss-server-side-data-encryption must be SM4 and requires KMS encryption.",
			"x-oss-server-side-data-encryption", m.ServerSideDataEncryption)
	}
	size := 0
	for name, values := range h {
		lower := strings.ToLower(name)
		if !strings.HasPrefix(lower, "x-oss-meta-") || len(values) == 0 {
			continue
		}
		if m.UserMeta == nil {
			m.UserMeta = map[string]string{}
		}
		k := strings.TrimPrefix(lower, "x-oss-meta-")
		m.UserMeta[k] = values[0]
		size += len(k) + len(values[0])
	}
	if size > 8<<10 {
		return ObjectMeta{}, newError(http.StatusBadRequest, "MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size (8 KB).")
	}
	return m, nil
}

// writeSSEHeaders echoes the encryption settings, as OSS does on every object response.
func writeSSEHeaders(h http.Header, m ObjectMeta) {
	if m.ServerSideEncryption != "" {
		h.Set("x-oss-server-side-encryption", m.ServerSideEncryption)
	}
	if m.ServerSideEncryptionKeyID != "" {
		h.Set("x-oss-server-side-encryption-key-id", m.ServerSideEncryptionKeyID)
	}
	if m.ServerSideDataEncryption != "" {
		h.Set("x-oss-server-side-data-encryption", m.ServerSideDataEncryption)
	}
}

// writeObjectHeaders sets what GetObject and HeadObject return about an object.
func writeObjectHeaders(h http.Header, m ObjectMeta) {
	h.Set("Content-Type", m.ContentType)
	h.Set("ETag", m.ETag)
	h.Set("Last-Modified", m.LastModified.UTC().Format(http.TimeFormat))
	h.Set("Accept-Ranges", "bytes")
	h.Set("x-oss-object-type", m.ObjectType)
	h.Set("x-oss-storage-class", m.StorageClass)
	h.Set("x-oss-hash-crc64ecma", strconv.FormatUint(m.CRC64, 10))
	if m.ContentMD5 != "" {
		h.Set("Content-MD5", m.ContentMD5)
	}
	for name, value := range map[string]string{"Cache-Control": m.CacheControl,
		"Content-Disposition": m.ContentDisposition, "Content-Encoding": m.ContentEncoding, "Expires": m.Expires} {
		if value != "" {
			h.Set(name, value)
		}
	}
	for k, v := range m.UserMeta {
		h.Set("x-oss-meta-"+k, v)
	}
	writeSSEHeaders(h, m)
}
