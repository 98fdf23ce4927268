package ecs

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/rpc"
)

// params are the request parameters (see rpc.Params) with the ECS-only readers: tags and the request
// fingerprint behind ClientToken idempotency.
type params struct{ rpc.Params }

func readParams(r *http.Request) (params, []byte, *apiError) {
	p, body, e := rpc.ReadParams(r)
	return params{p}, body, e
}

func (p params) has(name string) bool   { return p.Has(name) }
func (p params) str(name string) string { return p.Str(name) }
func (p params) required(name string) (string, *apiError) {
	return p.Required(name)
}
func (p params) boolean(name string) (val, set bool, e *apiError) { return p.Boolean(name) }
func (p params) integer(name string, lo, hi int64) (val int64, set bool, e *apiError) {
	return p.Integer(name, lo, hi)
}
func (p params) indexed(name string) []map[string]string { return p.Indexed(name) }
func (p params) list(name string) []string               { return p.List(name) }
func (p params) jsonList(name string, limit int) ([]string, *apiError) {
	return p.JSONList(name, limit)
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
	for _, k := range slices.Sorted(maps.Keys(p.V)) {
		if commonParams[k] {
			continue
		}
		_, _ = io.WriteString(h, url.QueryEscape(k)+"="+url.QueryEscape(strings.Join(p.V[k], ","))+"&")
	}
	return hex.EncodeToString(h.Sum(nil))
}
