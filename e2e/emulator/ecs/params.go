package ecs

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// params are the request parameters: the URL query plus an application/x-www-form-urlencoded body.
// The SDK flattens lists and structs ("Tag.1.Key", "DiskId.2"), sends some lists as JSON arrays by API
// design ("DiskIds", "SnapshotIds") and booleans and integers as decimal text.
type params struct{ v url.Values }

// readParams reads the body (kept for the V3 payload hash) and merges its form fields into the query's.
func readParams(r *http.Request) (params, []byte, *apiError) {
	var body []byte
	if r.Body != nil {
		var err error
		body, err = io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		if err != nil {
			return params{}, nil, newError(http.StatusBadRequest, "InvalidParameter", "The request body could not be read.")
		}
		if len(body) > maxBody {
			return params{}, nil, newError(http.StatusBadRequest, "InvalidParameter", "The request body is too large.")
		}
	}
	v := r.URL.Query()
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" && len(body) > 0 {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return params{}, nil, newError(http.StatusBadRequest, "InvalidParameter", "The form body is not well formed.")
		}
		for k, vals := range form {
			v[k] = append(v[k], vals...)
		}
	}
	return params{v: v}, body, nil
}

func (p params) has(name string) bool { return len(p.v[name]) > 0 }

func (p params) str(name string) string { return p.v.Get(name) }

func (p params) required(name string) (string, *apiError) {
	s := p.v.Get(name)
	if s == "" {
		return "", errMissing(name)
	}
	return s, nil
}

// boolean reads "true" or "false"; set is false when the parameter is absent.
func (p params) boolean(name string) (val, set bool, e *apiError) {
	if !p.has(name) {
		return false, false, nil
	}
	switch strings.ToLower(p.str(name)) {
	case "true":
		return true, true, nil
	case "false":
		return false, true, nil
	}
	return false, false, errInvalidParam(name, "It must be true or false.")
}

// integer reads a decimal in [lo, hi]; set is false when the parameter is absent.
func (p params) integer(name string, lo, hi int64) (val int64, set bool, e *apiError) {
	if !p.has(name) {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(p.str(name), 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, false, errInvalidParam(name, fmt.Sprintf("It must be an integer from %d to %d.", lo, hi))
	}
	return n, true, nil
}

var indexedKey = regexp.MustCompile(`^(\d+)(?:\.(.+))?$`)

// indexed collects "name.N" (field "") or "name.N.field" values by N, in N order.
func (p params) indexed(name string) []map[string]string {
	byIndex := map[int]map[string]string{}
	prefix := name + "."
	for k, vals := range p.v {
		rest, ok := strings.CutPrefix(k, prefix)
		if !ok || len(vals) == 0 {
			continue
		}
		m := indexedKey.FindStringSubmatch(rest)
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		if byIndex[n] == nil {
			byIndex[n] = map[string]string{}
		}
		byIndex[n][m[2]] = vals[0]
	}
	idx := make([]int, 0, len(byIndex))
	for n := range byIndex {
		idx = append(idx, n)
	}
	sort.Ints(idx)
	out := make([]map[string]string, 0, len(idx))
	for _, n := range idx {
		out = append(out, byIndex[n])
	}
	return out
}

// list reads a repeated parameter "name.1", "name.2", ... skipping empty entries.
func (p params) list(name string) []string {
	var out []string
	for _, m := range p.indexed(name) {
		if v := m[""]; v != "" {
			out = append(out, v)
		}
	}
	return out
}

// jsonList reads a parameter the API defines as a JSON array of strings, such as DiskIds.
func (p params) jsonList(name string, limit int) ([]string, *apiError) {
	if !p.has(name) || p.str(name) == "" {
		return nil, nil
	}
	var ids []string
	malformed := newError(http.StatusBadRequest, "Invalid"+name+".Malformed",
		fmt.Sprintf("The specified parameter %s is not valid: it must be a JSON array of at most %d IDs.", name, limit))
	if err := json.Unmarshal([]byte(p.str(name)), &ids); err != nil || len(ids) > limit {
		return nil, malformed
	}
	return ids, nil
}

// maxTags is how many tags a resource or a filter may carry.
const maxTags = 20

// tags reads "Tag.N.Key" / "Tag.N.Value" pairs. A value without a key is malformed.
func (p params) tags(name string) ([]Tag, *apiError) {
	var out []Tag
	for _, m := range p.indexed(name) {
		key, value := m["Key"], m["Value"]
		if key == "" {
			if value == "" {
				continue
			}
			return nil, newError(http.StatusBadRequest, "InvalidTagKey.Malformed", "The specified Tag.n.Key is not valid: it is empty.")
		}
		if strings.HasPrefix(key, "aliyun") || strings.HasPrefix(key, "acs:") {
			return nil, newError(http.StatusBadRequest, "InvalidTagKey.Malformed",
				fmt.Sprintf("The specified Tag.n.Key %q is not valid: aliyun and acs: prefixes are reserved.", key))
		}
		out = upsertTag(out, Tag{Key: key, Value: value})
	}
	if len(out) > maxTags {
		return nil, newError(http.StatusBadRequest, "InvalidTagCount", fmt.Sprintf("The specified tags are beyond the permitted range of %d.", maxTags))
	}
	return out, nil
}

func upsertTag(tags []Tag, t Tag) []Tag {
	for i := range tags {
		if tags[i].Key == t.Key {
			tags[i] = t
			return tags
		}
	}
	return append(tags, t)
}

// commonParams are the protocol's own parameters; they do not describe what a request asks for, so
// ClientToken idempotency ignores them.
var commonParams = map[string]bool{
	"Action": true, "Version": true, "Format": true, "Timestamp": true, "SignatureNonce": true, "SignatureMethod": true,
	"SignatureVersion": true, "SignatureType": true, "AccessKeyId": true, "Signature": true, "SecurityToken": true,
	"ClientToken": true,
}

// fingerprint identifies what a request asks for, so a ClientToken reused for another request is caught.
func (p params) fingerprint() string {
	h := sha256.New()
	for _, k := range slices.Sorted(maps.Keys(p.v)) {
		if commonParams[k] {
			continue
		}
		_, _ = io.WriteString(h, url.QueryEscape(k)+"="+url.QueryEscape(strings.Join(p.v[k], ","))+"&")
	}
	return hex.EncodeToString(h.Sum(nil))
}
