package oss

import (
	"encoding/xml"
	"errors"
	"net/http"
	"sort"
	"strings"
)

var (
	errDeleteCount = errors.New("a delete request names 1 to 1000 objects")
	errDeleteKey   = errors.New("every object to delete needs a valid key")
)

func (s *Service) endpoint(internal bool) string {
	if internal {
		return "oss-" + s.cfg.Region + "-internal.aliyuncs.com"
	}
	return "oss-" + s.cfg.Region + ".aliyuncs.com"
}

func (s *Service) xmlBucket(b *bucket) xmlBucket {
	return xmlBucket{Name: b.Name, Location: "oss-" + s.cfg.Region, CreationDate: formatXMLTime(b.Created),
		ExtranetEndpoint: s.endpoint(false), IntranetEndpoint: s.endpoint(true), Region: s.cfg.Region,
		StorageClass: "Standard"}
}

// getBucketInfo is what a plugin calls to check that a bucket exists and the credentials reach it.
func (s *Service) getBucketInfo(c *call) *apiError {
	b, e := s.onlineBucket(c.bucket)
	if e != nil {
		return e
	}
	var res bucketInfoResult
	s.mu.RLock()
	res.Bucket.xmlBucket = s.xmlBucket(b)
	s.mu.RUnlock()
	res.Bucket.AccessMonitor = "Disabled"
	res.Bucket.ACL = "private"
	res.Bucket.DataRedundancyType = "LRS"
	res.Bucket.Owner = emulatedOwner
	res.Bucket.SSEAlgorithm = "None"
	res.Bucket.Comment = "emulated"
	return c.writeXML(res)
}

type locationConstraint struct {
	XMLName xml.Name `xml:"LocationConstraint"`
	Value   string   `xml:",chardata"`
}

func (s *Service) getBucketLocation(c *call) *apiError {
	return c.writeXML(locationConstraint{Value: "oss-" + s.cfg.Region})
}

// getBucketACL exists because the SDK's IsBucketExist calls it.
func (s *Service) getBucketACL(c *call) *apiError {
	return c.writeXML(accessControlPolicy{Owner: emulatedOwner, ACL: "private"})
}

func (s *Service) putBucket(c *call) *apiError {
	if _, e := readXMLBody(c.r); e != nil { // CreateBucketConfiguration: storage class and redundancy are not emulated
		return e
	}
	switch err := s.CreateBucket(c.bucket); {
	case err == nil:
	case errors.Is(err, ErrBucketExists):
		return newError(http.StatusConflict, "BucketAlreadyExists",
			"The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.").
			with("BucketName", c.bucket)
	default:
		return errInternal(err)
	}
	c.w.Header().Set("Location", "/"+c.bucket)
	c.w.Header().Set("Content-Length", "0")
	c.w.WriteHeader(http.StatusOK)
	return nil
}

// deleteBucket refuses non-empty buckets, as OSS does; the Go API and the admin endpoint delete with content.
func (s *Service) deleteBucket(c *call) *apiError {
	s.mu.RLock()
	b := s.buckets[c.bucket]
	nonEmpty := b != nil && (len(b.objects) > 0 || len(b.uploads) > 0)
	s.mu.RUnlock()
	if nonEmpty {
		return newError(http.StatusConflict, "BucketNotEmpty",
			"The bucket you tried to delete is not empty. If you are trying to delete a bucket that has multipart uploads in progress, abort them first.").
			with("BucketName", c.bucket)
	}
	if err := s.DeleteBucket(c.bucket); err != nil {
		return errInternal(err)
	}
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Service) listBuckets(c *call) *apiError {
	limit, e := parseMaxKeys(c, "max-keys", maxMaxKeys)
	if e != nil {
		return e
	}
	prefix, marker := c.query.Get("prefix"), c.query.Get("marker")
	s.mu.RLock()
	var names []string
	for name, b := range s.buckets {
		if b.Online && strings.HasPrefix(name, prefix) && name > marker {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	res := listBucketsResult{Prefix: prefix, Marker: marker, MaxKeys: limit, Owner: emulatedOwner}
	for _, name := range names {
		if len(res.Buckets) == limit {
			res.IsTruncated = true
			res.NextMarker = res.Buckets[len(res.Buckets)-1].Name
			break
		}
		res.Buckets = append(res.Buckets, s.xmlBucket(s.buckets[name]))
	}
	s.mu.RUnlock()
	return c.writeXML(res)
}

// deleteMultipleObjects is POST ?delete. Keys in the request are plain XML text; in the response they are
// URL-encoded when encoding-type=url.
func (s *Service) deleteMultipleObjects(c *call) *apiError {
	enc, e := c.encoder()
	if e != nil {
		return e
	}
	if c.r.Header.Get("Content-MD5") == "" {
		return newError(http.StatusBadRequest, "MissingArgument", "Missing Some Required Arguments.").with("ArgumentName", "Content-MD5")
	}
	body, e := readXMLBody(c.r)
	if e != nil {
		return e
	}
	var req deleteRequest
	if err := xml.Unmarshal(body, &req); err != nil {
		return errMalformedXML(err)
	}
	if len(req.Objects) == 0 || len(req.Objects) > maxMaxKeys {
		return errMalformedXML(errDeleteCount)
	}
	b, e := s.onlineBucket(c.bucket)
	if e != nil {
		return e
	}
	res := deleteResult{EncodingType: enc.name()}
	for _, o := range req.Objects {
		if e := validateKey(o.Key); o.Key == "" || e != nil {
			return errMalformedXML(errDeleteKey)
		}
		if err := s.removeObject(b, o.Key); err != nil {
			return errInternal(err)
		}
		if !req.Quiet {
			res.Deleted = append(res.Deleted, struct {
				Key string `xml:"Key"`
			}{Key: enc.apply(o.Key)})
		}
	}
	return c.writeXML(res)
}
