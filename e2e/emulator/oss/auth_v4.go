package oss

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

const (
	v4Algorithm     = "OSS4-HMAC-SHA256"
	v4Terminator    = "aliyun_v4_request"
	v4Product       = "oss"
	iso8601         = "20060102T150405Z"
	unsignedPayload = "UNSIGNED-PAYLOAD"
	maxPresignV4    = 7 * 24 * time.Hour
)

// v4Scope is the parsed "<ak>/<yyyymmdd>/<region>/oss/aliyun_v4_request".
type v4Scope struct {
	accessKeyID, date, region, product string
}

func (s *Service) parseScope(credential string) (v4Scope, *apiError) {
	parts := strings.Split(credential, "/")
	if len(parts) != 5 || parts[0] == "" || parts[4] != v4Terminator {
		return v4Scope{}, errBadAuthorization("credential must be <AccessKeyId>/<date>/<region>/oss/" + v4Terminator)
	}
	sc := v4Scope{accessKeyID: parts[0], date: parts[1], region: parts[2], product: parts[3]}
	if sc.product != v4Product {
		return v4Scope{}, errBadAuthorization("the signing product must be " + v4Product + ", not " + sc.product)
	}
	if sc.region != s.cfg.Region {
		return v4Scope{}, newError(http.StatusForbidden, "SignatureDoesNotMatch",
			fmt.Sprintf("Invalid signing region in the credential: %q; this endpoint serves %q.", sc.region, s.cfg.Region)).
			with("OSSAccessKeyId", sc.accessKeyID)
	}
	return sc, nil
}

// v4Header checks "Authorization: OSS4-HMAC-SHA256 Credential=..,[AdditionalHeaders=..,]Signature=..".
func (s *Service) v4Header(c *call, params string) (*signatureCheck, *apiError) {
	fields := map[string]string{}
	for _, item := range strings.Split(params, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok {
			return nil, errBadAuthorization(fmt.Sprintf("%q is not name=value", item))
		}
		fields[k] = v
	}
	if fields["Credential"] == "" || fields["Signature"] == "" {
		return nil, errBadAuthorization("Credential and Signature are required")
	}
	sc, e := s.parseScope(fields["Credential"])
	if e != nil {
		return nil, e
	}
	// The SDK signs x-oss-date; an SDK that sends only Date (the v1 SDK with V4) signs that value verbatim.
	stamp := c.r.Header.Get("x-oss-date")
	var t time.Time
	var err error
	if stamp != "" {
		t, err = time.Parse(iso8601, stamp)
	} else if stamp = c.r.Header.Get("Date"); stamp != "" {
		t, err = http.ParseTime(stamp)
	} else {
		return nil, newError(http.StatusForbidden, "AccessDenied", "The x-oss-date header is required for a V4 signed request.")
	}
	if err != nil {
		return nil, newError(http.StatusForbidden, "AccessDenied", "The request date is not valid: "+stamp)
	}
	if e := s.checkSkew(t, stamp); e != nil {
		return nil, e
	}
	if sc.date != t.UTC().Format("20060102") {
		return nil, newError(http.StatusForbidden, "SignatureDoesNotMatch",
			"The credential date "+sc.date+" does not match the request date "+stamp+".").with("OSSAccessKeyId", sc.accessKeyID)
	}
	return s.v4Check(c, sc, stamp, splitHeaderList(fields["AdditionalHeaders"]), fields["Signature"], ""), nil
}

// v4Query checks a V4 presigned URL.
func (s *Service) v4Query(c *call) (*signatureCheck, *apiError) {
	if v := c.query.Get("x-oss-signature-version"); v != v4Algorithm {
		return nil, errInvalidArgument("The x-oss-signature-version parameter must be "+v4Algorithm+" or "+v2Scheme+".", "x-oss-signature-version", v)
	}
	sig, stamp, exp := c.query.Get("x-oss-signature"), c.query.Get("x-oss-date"), c.query.Get("x-oss-expires")
	if sig == "" || stamp == "" || exp == "" {
		return nil, newError(http.StatusForbidden, "AccessDenied",
			"A V4 signed URL needs the x-oss-credential, x-oss-date, x-oss-expires and x-oss-signature parameters.")
	}
	sc, e := s.parseScope(c.query.Get("x-oss-credential"))
	if e != nil {
		return nil, e
	}
	t, err := time.Parse(iso8601, stamp)
	if err != nil {
		return nil, errInvalidArgument("The x-oss-date parameter is not valid.", "x-oss-date", stamp)
	}
	secs, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || time.Duration(secs)*time.Second > maxPresignV4 {
		return nil, errInvalidArgument("The x-oss-expires parameter must be a number of seconds up to 604800.", "x-oss-expires", exp)
	}
	if expiresAt, now := t.Add(time.Duration(secs)*time.Second), s.now(); now.After(expiresAt) {
		return nil, errExpired(expiresAt, now)
	}
	if sc.date != t.Format("20060102") {
		return nil, newError(http.StatusForbidden, "SignatureDoesNotMatch",
			"The credential date "+sc.date+" does not match x-oss-date "+stamp+".").with("OSSAccessKeyId", sc.accessKeyID)
	}
	additional := splitHeaderList(c.query.Get("x-oss-additional-headers"))
	return s.v4Check(c, sc, stamp, additional, sig, "x-oss-signature"), nil
}

func splitHeaderList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.ToLower(s), ";")
}

func (s *Service) v4Check(c *call, sc v4Scope, stamp string, additional []string, provided, dropParam string) *signatureCheck {
	canonical := v4CanonicalRequest(c, additional, dropParam)
	sum := sha256.Sum256([]byte(canonical))
	scope := sc.date + "/" + sc.region + "/" + sc.product + "/" + v4Terminator
	sts := v4Algorithm + "\n" + stamp + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
	return &signatureCheck{accessKeyID: sc.accessKeyID, token: securityToken(c), provided: provided, stringToSign: sts,
		sign: func(secret string) string { return v4Sign(secret, sc, sts) }}
}

func v4Sign(secret string, sc v4Scope, stringToSign string) string {
	mac := func(key []byte, data string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(data))
		return h.Sum(nil)
	}
	k := mac([]byte("aliyun_v4"+secret), sc.date)
	k = mac(k, sc.region)
	k = mac(k, sc.product)
	k = mac(k, v4Terminator)
	return hex.EncodeToString(mac(k, stringToSign))
}

// v4CanonicalRequest builds
//
//	VERB \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n AdditionalHeaders \n HashedPayload
//
// The query is taken from the raw URL exactly as the client encoded it (only "+" normalized to %20), so
// the emulator does not depend on re-encoding matching the client's choices.
func v4CanonicalRequest(c *call, additional []string, dropParam string) string {
	var b strings.Builder
	b.WriteString(c.r.Method + "\n")
	b.WriteString(v4EscapePath(canonicalPath(c)) + "\n")

	raw := strings.ReplaceAll(c.r.URL.RawQuery, "+", "%20")
	values := map[string]string{}
	var names []string
	for raw != "" {
		var item string
		item, raw, _ = strings.Cut(raw, "&")
		if item == "" {
			continue
		}
		k, v, _ := strings.Cut(item, "=")
		if k == dropParam {
			continue
		}
		values[k] = v
		names = append(names, k)
	}
	sort.Strings(names)
	for i, k := range names {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k)
		if v := values[k]; v != "" {
			b.WriteString("=" + v)
		}
	}
	b.WriteString("\n")

	headers := lowerHeaders(c.r.Header)
	if c.r.Host != "" {
		headers["host"] = []string{c.r.Host}
	}
	wanted := map[string]bool{}
	for _, h := range additional {
		wanted[h] = true
	}
	var signed []string
	for name := range headers {
		if strings.HasPrefix(name, "x-oss-") || name == "content-type" || name == "content-md5" || wanted[name] {
			signed = append(signed, name)
		}
	}
	sort.Strings(signed)
	for _, name := range signed {
		b.WriteString(name + ":" + strings.Join(headers[name], ",") + "\n")
	}
	b.WriteString("\n")
	b.WriteString(strings.Join(additional, ";") + "\n")
	if p := c.r.Header.Get("x-oss-content-sha256"); p != "" {
		b.WriteString(p)
	} else {
		b.WriteString(unsignedPayload)
	}
	return b.String()
}

// v4EscapePath percent-encodes every byte except unreserved characters and "/".
func v4EscapePath(p string) string { return uriEncode(p, true) }
