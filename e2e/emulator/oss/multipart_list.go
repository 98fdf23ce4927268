package oss

import (
	"sort"
	"strconv"
	"strings"
)

func (s *Service) listParts(c *call) *apiError {
	enc, e := c.encoder()
	if e != nil {
		return e
	}
	limit, e := parseMaxKeys(c, "max-parts", maxMaxKeys)
	if e != nil {
		return e
	}
	marker := 0
	if v := c.query.Get("part-number-marker"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return errInvalidArgument("Argument part-number-marker must be a non-negative integer.", "part-number-marker", v)
		}
		marker = n
	}
	_, u, e := s.findUpload(c)
	if e != nil {
		return e
	}
	u.mu.Lock()
	var numbers []int
	for n := range u.parts {
		if n > marker {
			numbers = append(numbers, n)
		}
	}
	sort.Ints(numbers)
	res := listPartsResult{Bucket: c.bucket, EncodingType: enc.name(), Key: enc.apply(c.key), UploadID: u.ID,
		StorageClass: u.Meta.StorageClass, PartNumberMarker: marker, MaxParts: limit}
	for _, n := range numbers {
		if len(res.Parts) == limit {
			res.IsTruncated = true
			break
		}
		p := u.parts[n]
		res.Parts = append(res.Parts, xmlPart{PartNumber: n, LastModified: formatXMLTime(p.LastModified), ETag: p.ETag,
			HashCrc64ecma: strconv.FormatUint(p.CRC64, 10), Size: p.Size})
		res.NextPartNumberMarker = n
	}
	u.mu.Unlock()
	return c.writeXML(res)
}

// uploadSnapshot is what listings need of one upload, read without upload.mu so that a Complete holding it
// through a large assembly does not stall them.
type uploadSnapshot struct {
	key, id, storageClass string
	initiated             string
	upload                *upload
}

func (s *Service) snapshotUploads(bucketName string) ([]uploadSnapshot, *apiError) {
	s.mu.RLock()
	b := s.buckets[bucketName]
	if b == nil {
		s.mu.RUnlock()
		return nil, errNoSuchBucket(bucketName)
	}
	ups := make([]*upload, 0, len(b.uploads))
	for _, u := range b.uploads {
		ups = append(ups, u)
	}
	s.mu.RUnlock()
	out := make([]uploadSnapshot, 0, len(ups))
	for _, u := range ups {
		if u.done.Load() {
			continue
		}
		out = append(out, uploadSnapshot{key: u.Key, id: u.ID, storageClass: u.Meta.StorageClass,
			initiated: formatXMLTime(u.Initiated), upload: u})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].key != out[j].key {
			return out[i].key < out[j].key
		}
		if out[i].initiated != out[j].initiated {
			return out[i].initiated < out[j].initiated
		}
		return out[i].id < out[j].id
	})
	return out, nil
}

func (s *Service) listMultipartUploads(c *call) *apiError {
	enc, e := c.encoder()
	if e != nil {
		return e
	}
	limit, e := parseMaxKeys(c, "max-uploads", maxMaxKeys)
	if e != nil {
		return e
	}
	if _, e := s.onlineBucket(c.bucket); e != nil {
		return e
	}
	ups, e := s.snapshotUploads(c.bucket)
	if e != nil {
		return e
	}
	prefix, delimiter := c.query.Get("prefix"), c.query.Get("delimiter")
	keyMarker, idMarker := c.query.Get("key-marker"), c.query.Get("upload-id-marker")
	res := listUploadsResult{Bucket: c.bucket, EncodingType: enc.name(), KeyMarker: enc.apply(keyMarker),
		UploadIDMarker: idMarker, Delimiter: enc.apply(delimiter), Prefix: enc.apply(prefix), MaxUploads: limit}

	start := 0
	for start < len(ups) && !afterMarker(ups[start], keyMarker, idMarker, ups) {
		start++
	}
	lastPrefix := ""
	count := 0
	for _, u := range ups[start:] {
		if !strings.HasPrefix(u.key, prefix) {
			continue
		}
		cp := ""
		if delimiter != "" {
			if d := strings.Index(u.key[len(prefix):], delimiter); d >= 0 {
				cp = u.key[:len(prefix)+d+len(delimiter)]
			}
		}
		if cp != "" && cp == lastPrefix {
			continue
		}
		if count == limit {
			res.IsTruncated = true
			break
		}
		count++
		if cp != "" {
			lastPrefix = cp
			res.CommonPrefixes = append(res.CommonPrefixes, xmlPrefix{Prefix: enc.apply(cp)})
			res.NextKeyMarker, res.NextUploadIDMarker = enc.apply(cp), ""
			continue
		}
		res.Uploads = append(res.Uploads, xmlUpload{Key: enc.apply(u.key), UploadID: u.id, StorageClass: u.storageClass,
			Initiated: u.initiated})
		res.NextKeyMarker, res.NextUploadIDMarker = enc.apply(u.key), u.id
	}
	return c.writeXML(res)
}

// afterMarker reports whether u comes after the (key-marker, upload-id-marker) position. Without an
// upload-id-marker every upload of key-marker itself is skipped, as in OSS.
func afterMarker(u uploadSnapshot, keyMarker, idMarker string, all []uploadSnapshot) bool {
	if keyMarker == "" {
		return true
	}
	if u.key != keyMarker {
		return u.key > keyMarker
	}
	if idMarker == "" {
		return false
	}
	// Order within one key is by initiation; find where the marker upload sits.
	for _, o := range all {
		if o.key == keyMarker && o.id == idMarker {
			return u.initiated > o.initiated || u.initiated == o.initiated && u.id > o.id
		}
	}
	return u.id > idMarker
}
