package oss

import (
	"net"
	"net/http"
	"strings"
	"unicode/utf8"
)

type route struct {
	op          string
	fn          func(*Service, *call) *apiError
	needsBucket bool // the bucket must exist and be online
}

// unsupported lists sub-resources of real OSS APIs the emulator does not implement. A request naming one
// gets NotImplemented instead of being mistaken for a plain object or listing call.
var unsupported = []string{
	"acl", "append", "cname", "cors", "encryption", "inventory", "lifecycle", "logging", "policy", "referer",
	"replication", "requestPayment", "restore", "seal", "stat", "symlink", "tagging", "transferAcceleration",
	"versioning", "versions", "website", "worm", "x-oss-process",
}

func notImplemented(op string) route {
	return route{op: op, fn: func(_ *Service, c *call) *apiError {
		// The path only: the query of a presigned URL carries credentials.
		return newError(http.StatusNotImplemented, "NotImplemented",
			"The emulator does not implement this operation ("+op+" on "+c.r.URL.Path+").")
	}}
}

// resolve finds bucket, key and operation. Path style (/bucket/key) is what the SDK uses for an IP
// endpoint; virtual-hosted style (bucket.localhost, bucket.oss-<region>.aliyuncs.com) is accepted too so
// hostname endpoints work without WithUsePathStyle.
func resolve(c *call) (route, *apiError) {
	path := c.r.URL.Path
	if !strings.HasPrefix(path, "/") {
		return route{}, newError(http.StatusBadRequest, "InvalidURI", "The request URI is not valid.")
	}
	if b := bucketFromHost(c.r.Host); b != "" {
		c.bucket, c.key = b, path[1:]
	} else {
		c.bucket, c.key, _ = strings.Cut(path[1:], "/")
	}
	if c.bucket == "" {
		if c.r.Method == http.MethodGet {
			return route{op: "ListBuckets", fn: (*Service).listBuckets}, nil
		}
		return route{}, newError(http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.")
	}
	if !validBucketName(c.bucket) {
		return route{}, newError(http.StatusBadRequest, "InvalidBucketName", "The specified bucket is not valid.").with("BucketName", c.bucket)
	}
	if c.key == "" {
		return bucketRoute(c), nil
	}
	if e := validateKey(c.key); e != nil {
		return route{}, e
	}
	return objectRoute(c), nil
}

func (c *call) has(name string) bool { _, ok := c.query[name]; return ok }

func (c *call) hasUnsupported() (string, bool) {
	for _, name := range unsupported {
		if c.has(name) {
			return name, true
		}
	}
	return "", false
}

func bucketRoute(c *call) route {
	r := func(op string, fn func(*Service, *call) *apiError) route {
		return route{op: op, fn: fn, needsBucket: true}
	}
	switch c.r.Method {
	case http.MethodGet:
		switch {
		case c.has("bucketInfo"):
			return r("GetBucketInfo", (*Service).getBucketInfo)
		case c.has("location"):
			return r("GetBucketLocation", (*Service).getBucketLocation)
		case c.has("acl"):
			return r("GetBucketAcl", (*Service).getBucketACL)
		case c.has("uploads"):
			return r("ListMultipartUploads", (*Service).listMultipartUploads)
		case c.query.Get("list-type") == "2":
			return r("ListObjectsV2", (*Service).listObjectsV2)
		}
		if name, ok := c.hasUnsupported(); ok {
			return notImplemented("GetBucket:" + name)
		}
		return r("ListObjects", (*Service).listObjects)
	case http.MethodPut:
		if name, ok := c.hasUnsupported(); ok {
			return notImplemented("PutBucket:" + name)
		}
		return route{op: "PutBucket", fn: (*Service).putBucket}
	case http.MethodDelete:
		if name, ok := c.hasUnsupported(); ok {
			return notImplemented("DeleteBucket:" + name)
		}
		return r("DeleteBucket", (*Service).deleteBucket)
	case http.MethodPost:
		if c.has("delete") {
			return r("DeleteMultipleObjects", (*Service).deleteMultipleObjects)
		}
	}
	return notImplemented(c.r.Method + "Bucket")
}

func objectRoute(c *call) route {
	r := func(op string, fn func(*Service, *call) *apiError) route {
		return route{op: op, fn: fn, needsBucket: true}
	}
	copySource := c.r.Header.Get("x-oss-copy-source") != ""
	if name, ok := c.hasUnsupported(); ok {
		return notImplemented(c.r.Method + "Object:" + name)
	}
	switch c.r.Method {
	case http.MethodPut:
		switch {
		case copySource && c.has("uploadId"):
			return notImplemented("UploadPartCopy")
		case copySource:
			return r("CopyObject", (*Service).copyObject)
		case c.has("uploadId") && c.has("partNumber"):
			return r("UploadPart", (*Service).uploadPart)
		}
		return r("PutObject", (*Service).putObject)
	case http.MethodGet:
		if c.has("uploadId") {
			return r("ListParts", (*Service).listParts)
		}
		return r("GetObject", (*Service).getObject)
	case http.MethodHead:
		if c.has("objectMeta") {
			return r("GetObjectMeta", (*Service).getObjectMeta)
		}
		return r("HeadObject", (*Service).headObject)
	case http.MethodDelete:
		if c.has("uploadId") {
			return r("AbortMultipartUpload", (*Service).abortMultipartUpload)
		}
		return r("DeleteObject", (*Service).deleteObject)
	case http.MethodPost:
		switch {
		case c.has("uploads"):
			return r("InitiateMultipartUpload", (*Service).initiateMultipartUpload)
		case c.has("uploadId"):
			return r("CompleteMultipartUpload", (*Service).completeMultipartUpload)
		}
	}
	return notImplemented(c.r.Method + "Object")
}

// bucketFromHost returns the bucket of a virtual-hosted request, or "" for path style.
func bucketFromHost(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if net.ParseIP(strings.Trim(host, "[]")) != nil {
		return ""
	}
	for _, suffix := range []string{".localhost", ".aliyuncs.com"} {
		if !strings.HasSuffix(host, suffix) {
			continue
		}
		label, rest, ok := strings.Cut(host, ".")
		// oss-cn-hangzhou.aliyuncs.com itself is the endpoint, not a bucket.
		if ok && rest != "" && !strings.HasPrefix(label, "oss-") && validBucketName(label) {
			return label
		}
	}
	return ""
}

// validBucketName applies the OSS rules: 3-63 characters of lower-case letters, digits and hyphens, not
// starting or ending with a hyphen.
func validBucketName(name string) bool {
	if len(name) < 3 || len(name) > 63 || name[0] == '-' || name[len(name)-1] == '-' {
		return false
	}
	for i := 0; i < len(name); i++ {
		ch := name[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '-') {
			return false
		}
	}
	return true
}

// validateKey applies the OSS object name rules: UTF-8, 1-1023 bytes, no leading slash or backslash.
func validateKey(key string) *apiError {
	switch {
	case len(key) > 1023:
		return newError(http.StatusBadRequest, "InvalidObjectName", "The length of the object name must be less than 1024.")
	case !utf8.ValidString(key):
		return newError(http.StatusBadRequest, "InvalidObjectName", "The object name is not valid UTF-8.")
	case key[0] == '/' || key[0] == '\\':
		return newError(http.StatusBadRequest, "InvalidObjectName", "The object name must not start with '/' or '\\'.")
	}
	return nil
}
