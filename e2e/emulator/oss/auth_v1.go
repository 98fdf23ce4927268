package oss

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// v1SignedParams are the query parameters that take part in a V1 signature (the "sub-resources"): the
// fixed list every OSS client signs, plus those the OSS SDK adds per operation. Other parameters, like
// prefix or max-keys, are not signed; parameters starting with x-oss- always are.
var v1SignedParams = map[string]bool{}

func init() {
	for _, name := range strings.Fields(`
		acl append bucketInfo callback callback-var cloudboxes continuation-token delete location objectMeta
		partNumber position regionList response-cache-control response-content-disposition
		response-content-encoding response-content-language response-content-type response-expires restore
		security-token sequential stat symlink tagging uploadId uploads versionId versioning versions

		accessPoint accessPointConfigForObjectProcess accessPointForObjectProcess accessPointPolicy
		accessPointPolicyForObjectProcess agenticBucket bucketArchiveDirectRead cleanRestoredObject cname comp
		cors encryption httpsConfig inventory inventoryId legalHold lifecycle logging metaQuery
		metadataConfiguration metadataInventoryTable metadataJournalTable objectWorm overwriteConfig policy
		policyStatus publicAccessBlock quota redundancyTransition referer regions replication
		replicationLocation replicationProgress requestPayment resourceGroup retention rtc seal style
		styleName transferAcceleration userDefinedLogFieldsConfig website worm wormExtend wormId`) {
		v1SignedParams[name] = true
	}
}

// v1Header checks "Authorization: OSS <ak>:<base64 hmac-sha1>".
func (s *Service) v1Header(c *call, cred string) (*signatureCheck, *apiError) {
	ak, sig, ok := strings.Cut(cred, ":")
	if !ok || ak == "" || sig == "" {
		return nil, errBadAuthorization("expected OSS <AccessKeyId>:<Signature>")
	}
	date, e := s.headerDate(c)
	if e != nil {
		return nil, e
	}
	sts := v1StringToSign(c, date)
	return &signatureCheck{accessKeyID: ak, token: securityToken(c), provided: sig, stringToSign: sts,
		sign: func(secret string) string { return v1Sign(secret, sts) }}, nil
}

// v1Query checks a V1 presigned URL: ?OSSAccessKeyId=&Expires=&Signature=. The expiry time takes the place
// of the date in the string to sign.
func (s *Service) v1Query(c *call) (*signatureCheck, *apiError) {
	ak, sig, exp := c.query.Get("OSSAccessKeyId"), c.query.Get("Signature"), c.query.Get("Expires")
	if ak == "" || sig == "" || exp == "" {
		return nil, newError(http.StatusForbidden, "AccessDenied",
			"A V1 signed URL needs the OSSAccessKeyId, Expires and Signature parameters.")
	}
	if e := s.checkExpires(exp); e != nil {
		return nil, e
	}
	sts := v1StringToSign(c, exp)
	return &signatureCheck{accessKeyID: ak, token: securityToken(c), provided: sig, stringToSign: sts,
		sign: func(secret string) string { return v1Sign(secret, sts) }}, nil
}

// headerDate returns the Date header of a header-signed V1 or V2 request once it is within the clock skew.
func (s *Service) headerDate(c *call) (string, *apiError) {
	date := c.r.Header.Get("Date")
	if date == "" {
		return "", newError(http.StatusForbidden, "AccessDenied", "The Date header is required for a signed request.")
	}
	t, err := http.ParseTime(date)
	if err != nil {
		return "", newError(http.StatusForbidden, "AccessDenied", "The Date header is not a valid HTTP date: "+date)
	}
	return date, s.checkSkew(t, date)
}

// checkExpires refuses a V1 or V2 presigned URL whose expiry, in Unix seconds, has passed.
func (s *Service) checkExpires(exp string) *apiError {
	unix, err := strconv.ParseInt(exp, 10, 64)
	if err != nil {
		return newError(http.StatusForbidden, "AccessDenied", "Invalid expires: "+exp)
	}
	if now := s.now(); now.Unix() > unix {
		return errExpired(time.Unix(unix, 0), now)
	}
	return nil
}

func v1Sign(secret, stringToSign string) string {
	h := hmac.New(sha1.New, []byte(secret))
	h.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// v1StringToSign builds
//
//	VERB \n Content-MD5 \n Content-Type \n Date \n CanonicalizedOSSHeaders CanonicalizedResource
//
// The x-oss-* headers are sorted by name alone: sorting "name:value" strings misorders a header that is a
// prefix of another (x-oss-server-side-encryption vs x-oss-server-side-encryption-key-id).
func v1StringToSign(c *call, date string) string {
	var b strings.Builder
	b.WriteString(c.r.Method + "\n")
	b.WriteString(c.r.Header.Get("Content-MD5") + "\n")
	b.WriteString(c.r.Header.Get("Content-Type") + "\n")
	b.WriteString(date + "\n")

	headers := lowerHeaders(c.r.Header)
	names := make([]string, 0, len(headers))
	for name := range headers {
		if strings.HasPrefix(name, "x-oss-") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		b.WriteString(name + ":" + strings.Join(headers[name], ",") + "\n")
	}

	b.WriteString(canonicalPath(c))
	var params []string
	for name := range c.query {
		if v1SignedParams[name] || strings.HasPrefix(name, "x-oss-") {
			params = append(params, name)
		}
	}
	sort.Strings(params)
	for i, name := range params {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(name)
		if v := c.query.Get(name); v != "" {
			b.WriteString("=" + v)
		}
	}
	return b.String()
}

// canonicalPath is the resource both signature versions sign: "/", "/bucket/" or "/bucket/key", with the
// key decoded.
func canonicalPath(c *call) string {
	if c.bucket == "" {
		return "/"
	}
	return "/" + c.bucket + "/" + c.key
}

// lowerHeaders groups header values by lower-case name with surrounding blanks trimmed, the form both
// signature versions canonicalize.
func lowerHeaders(h http.Header) map[string][]string {
	out := make(map[string][]string, len(h))
	for name, values := range h {
		lower := strings.ToLower(name)
		for _, v := range values {
			out[lower] = append(out[lower], strings.TrimSpace(v))
		}
	}
	return out
}
