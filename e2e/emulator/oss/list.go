package oss

import (
	"encoding/base64"
	"sort"
	"strconv"
	"strings"
)

const (
	defaultMaxKeys = 100
	maxMaxKeys     = 1000
)

// listEntry is either an object (meta set) or a common prefix.
type listEntry struct {
	key    string
	meta   ObjectMeta
	prefix string
}

// prefixEnd is the smallest string greater than every string starting with p, or "" if there is none.
func prefixEnd(p string) string {
	b := []byte(p)
	for len(b) > 0 {
		if last := len(b) - 1; b[last] < 0xff {
			b[last]++
			return string(b[:last+1])
		}
		b = b[:len(b)-1]
	}
	return ""
}

// searchFrom is the index of the first key >= s, treating "" from prefixEnd as "past the end".
func searchFrom(keys []string, s string, end bool) int {
	if end && s == "" {
		return len(keys)
	}
	return sort.SearchStrings(keys, s)
}

// isCommonPrefix reports whether marker has the shape of a common prefix under prefix/delimiter. Such a
// marker came from a previous page that rolled every key below it into one entry, so those keys are
// skipped too. A key with that exact shape can never appear as an object in a delimited listing (it would
// have been rolled up itself), so no object is lost.
func isCommonPrefix(marker, prefix, delimiter string) bool {
	if delimiter == "" || !strings.HasPrefix(marker, prefix) {
		return false
	}
	rest := marker[len(prefix):]
	i := strings.Index(rest, delimiter)
	return i >= 0 && i+len(delimiter) == len(rest)
}

// list walks keys of b after marker under prefix, rolling keys up at delimiter, and returns at most limit
// entries plus whether more exist. Caller holds s.mu for reading.
func (b *bucket) list(prefix, delimiter, marker string, limit int) ([]listEntry, bool) {
	keys := b.keys
	i := sort.SearchStrings(keys, prefix)
	if marker != "" {
		j := sort.SearchStrings(keys, marker)
		if j < len(keys) && keys[j] == marker {
			j++
		}
		if isCommonPrefix(marker, prefix, delimiter) {
			j = searchFrom(keys, prefixEnd(marker), true)
		}
		i = max(i, j)
	}
	var out []listEntry
	for i < len(keys) {
		k := keys[i]
		if !strings.HasPrefix(k, prefix) {
			break // sorted: nothing later has the prefix either
		}
		if len(out) == limit {
			return out, true
		}
		if delimiter != "" {
			if d := strings.Index(k[len(prefix):], delimiter); d >= 0 {
				cp := k[:len(prefix)+d+len(delimiter)]
				out = append(out, listEntry{prefix: cp})
				i = searchFrom(keys, prefixEnd(cp), true)
				continue
			}
		}
		out = append(out, listEntry{key: k, meta: b.objects[k].ObjectMeta})
		i++
	}
	return out, false
}

func (e listEntry) name() string {
	if e.prefix != "" {
		return e.prefix
	}
	return e.key
}

func parseMaxKeys(c *call, name string, def int) (int, *apiError) {
	v := c.query.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > maxMaxKeys {
		return 0, errInvalidArgument("Argument "+name+" must be an integer between 0 and 1000.", name, v)
	}
	return n, nil
}

func (s *Service) listEntries(c *call, prefix, delimiter, marker string, limit int) ([]listEntry, bool, *apiError) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b := s.buckets[c.bucket]
	if b == nil || !b.Online {
		return nil, false, errNoSuchBucket(c.bucket)
	}
	out, truncated := b.list(prefix, delimiter, marker, limit)
	return out, truncated, nil
}

func toXML(entries []listEntry, enc encoder, withOwner bool) ([]xmlObject, []xmlPrefix) {
	var objs []xmlObject
	var prefixes []xmlPrefix
	for _, e := range entries {
		if e.prefix != "" {
			prefixes = append(prefixes, xmlPrefix{Prefix: enc.apply(e.prefix)})
			continue
		}
		o := xmlObject{Key: enc.apply(e.key), LastModified: formatXMLTime(e.meta.LastModified), ETag: e.meta.ETag,
			Type: e.meta.ObjectType, Size: e.meta.Size, StorageClass: e.meta.StorageClass}
		if withOwner {
			owner := emulatedOwner
			o.Owner = &owner
		}
		objs = append(objs, o)
	}
	return objs, prefixes
}

// listObjects is GetBucket (ListObjects, version 1): marker based.
func (s *Service) listObjects(c *call) *apiError {
	enc, e := c.encoder()
	if e != nil {
		return e
	}
	limit, e := parseMaxKeys(c, "max-keys", defaultMaxKeys)
	if e != nil {
		return e
	}
	prefix, delimiter, marker := c.query.Get("prefix"), c.query.Get("delimiter"), c.query.Get("marker")
	entries, truncated, e := s.listEntries(c, prefix, delimiter, marker, limit)
	if e != nil {
		return e
	}
	res := listBucketResult{Name: c.bucket, Prefix: enc.apply(prefix), Marker: enc.apply(marker), MaxKeys: limit,
		Delimiter: enc.apply(delimiter), EncodingType: enc.name(), IsTruncated: truncated}
	res.Contents, res.CommonPrefixes = toXML(entries, enc, true)
	if truncated && len(entries) > 0 {
		res.NextMarker = enc.apply(entries[len(entries)-1].name())
	}
	return c.writeXML(res)
}

// listObjectsV2 is GetBucketV2 (ListObjectsV2): continuation-token based. The token is opaque to clients;
// here it is the base64 of the last entry returned.
func (s *Service) listObjectsV2(c *call) *apiError {
	enc, e := c.encoder()
	if e != nil {
		return e
	}
	limit, e := parseMaxKeys(c, "max-keys", defaultMaxKeys)
	if e != nil {
		return e
	}
	prefix, delimiter := c.query.Get("prefix"), c.query.Get("delimiter")
	startAfter, token := c.query.Get("start-after"), c.query.Get("continuation-token")
	marker := startAfter
	if token != "" {
		raw, err := base64.StdEncoding.DecodeString(token)
		if err != nil {
			return errInvalidArgument("The continuation token provided is incorrect.", "continuation-token", token)
		}
		marker = string(raw)
	}
	entries, truncated, e := s.listEntries(c, prefix, delimiter, marker, limit)
	if e != nil {
		return e
	}
	res := listBucketResultV2{Name: c.bucket, Prefix: enc.apply(prefix), StartAfter: enc.apply(startAfter),
		ContinuationToken: enc.apply(token), MaxKeys: limit, Delimiter: enc.apply(delimiter), EncodingType: enc.name(),
		IsTruncated: truncated, KeyCount: len(entries)}
	res.Contents, res.CommonPrefixes = toXML(entries, enc, c.query.Get("fetch-owner") == "true")
	if truncated && len(entries) > 0 {
		res.NextContinuationToken = enc.apply(base64.StdEncoding.EncodeToString([]byte(entries[len(entries)-1].name())))
	}
	return c.writeXML(res)
}
