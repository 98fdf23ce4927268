package oss

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// The OSS V2 signature, still sent by older clients (the aliyun-oss-go-sdk with AuthV2, ossutil 1.x). It
// is V1 with three changes: HMAC-SHA256 instead of HMAC-SHA1; the headers the client names in
// AdditionalHeaders are signed beside the x-oss-* ones, and their names are listed once more before the
// resource; and the resource is URI-encoded with every query parameter signed, not only sub-resources.

const v2Scheme = "OSS2"

// v2Header checks "Authorization: OSS2 AccessKeyId:<ak>,[AdditionalHeaders:<h1;h2>,]Signature:<base64>".
func (s *Service) v2Header(c *call, params string) (*signatureCheck, *apiError) {
	fields := map[string]string{}
	for _, item := range strings.Split(params, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(item), ":")
		if !ok {
			return nil, errBadAuthorization(fmt.Sprintf("%q is not name:value", item))
		}
		fields[k] = v
	}
	ak, sig := fields["AccessKeyId"], fields["Signature"]
	if ak == "" || sig == "" {
		return nil, errBadAuthorization("AccessKeyId and Signature are required")
	}
	date, e := s.headerDate(c)
	if e != nil {
		return nil, e
	}
	sts := v2StringToSign(c, date, splitHeaderList(fields["AdditionalHeaders"]), "")
	return &signatureCheck{accessKeyID: ak, token: securityToken(c), provided: sig, stringToSign: sts,
		sign: func(secret string) string { return v2Sign(secret, sts) }}, nil
}

// v2Query checks a V2 presigned URL: ?x-oss-signature-version=OSS2&x-oss-access-key-id=&x-oss-expires=
// [&x-oss-additional-headers=]&x-oss-signature=. As in V1, the expiry takes the place of the date; every
// parameter but the signature itself is signed.
func (s *Service) v2Query(c *call) (*signatureCheck, *apiError) {
	ak, sig, exp := c.query.Get("x-oss-access-key-id"), c.query.Get("x-oss-signature"), c.query.Get("x-oss-expires")
	if ak == "" || sig == "" || exp == "" {
		return nil, newError(http.StatusForbidden, "AccessDenied",
			"A V2 signed URL needs the x-oss-access-key-id, x-oss-expires and x-oss-signature parameters.")
	}
	if e := s.checkExpires(exp); e != nil {
		return nil, e
	}
	sts := v2StringToSign(c, exp, splitHeaderList(c.query.Get("x-oss-additional-headers")), "x-oss-signature")
	return &signatureCheck{accessKeyID: ak, token: securityToken(c), provided: sig, stringToSign: sts,
		sign: func(secret string) string { return v2Sign(secret, sts) }}, nil
}

func v2Sign(secret, stringToSign string) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// v2StringToSign builds
//
//	VERB \n Content-MD5 \n Content-Type \n Date \n CanonicalizedHeaders AdditionalHeaders \n CanonicalizedResource
//
// where CanonicalizedHeaders are the x-oss-* and the additional headers, sorted by name.
func v2StringToSign(c *call, date string, additional []string, dropParam string) string {
	var b strings.Builder
	b.WriteString(c.r.Method + "\n")
	b.WriteString(c.r.Header.Get("Content-MD5") + "\n")
	b.WriteString(c.r.Header.Get("Content-Type") + "\n")
	b.WriteString(date + "\n")

	headers := lowerHeaders(c.r.Header)
	wanted := map[string]bool{}
	for _, name := range additional {
		wanted[name] = true
	}
	if wanted["host"] && c.r.Host != "" {
		headers["host"] = []string{c.r.Host} // Go moves Host out of the header map
	}
	names := make([]string, 0, len(headers))
	for name := range headers {
		if strings.HasPrefix(name, "x-oss-") || wanted[name] {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		b.WriteString(name + ":" + strings.Join(headers[name], ",") + "\n")
	}
	b.WriteString(strings.Join(additional, ";") + "\n")
	b.WriteString(v2Resource(c, dropParam))
	return b.String()
}

// v2Resource is the URI-encoded path ("/" included, so "/bucket/key" becomes "%2Fbucket%2Fkey") followed by
// all query parameters, each name and value URI-encoded, sorted by encoded name. Decoding and encoding again
// gives what the client signed however it chose to escape the URL.
func v2Resource(c *call, dropParam string) string {
	var b strings.Builder
	b.WriteString(uriEncode(canonicalPath(c), false))
	params := map[string]string{}
	names := make([]string, 0, len(c.query))
	for name, values := range c.query {
		if name == dropParam {
			continue
		}
		enc := uriEncode(name, false)
		names = append(names, enc)
		if len(values) > 0 {
			params[enc] = uriEncode(values[0], false)
		}
	}
	sort.Strings(names)
	for i, name := range names {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(name)
		if v := params[name]; v != "" {
			b.WriteString("=" + v)
		}
	}
	return b.String()
}

// uriEncode percent-encodes every byte except the unreserved characters of RFC 3986, and "/" if keepSlash.
func uriEncode(p string, keepSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		ch := p[i]
		if ch >= 'A' && ch <= 'Z' || ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' ||
			ch == '-' || ch == '.' || ch == '_' || ch == '~' || ch == '/' && keepSlash {
			b.WriteByte(ch)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[ch>>4])
		b.WriteByte(hexDigits[ch&15])
	}
	return b.String()
}
