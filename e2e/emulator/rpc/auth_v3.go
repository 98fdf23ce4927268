package rpc

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
)

const v3Algorithm = "ACS3-HMAC-SHA256"

// checkV3 verifies "Authorization: ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=a;b,Signature=hex" the
// way darabonba-openapi v2.0.10 (openapi-util GetAuthorization) computes it:
//
//	CanonicalRequest = METHOD \n URI \n canonical query \n canonical headers \n signed headers \n x-acs-content-sha256
//	StringToSign     = ACS3-HMAC-SHA256 \n hex(sha256(CanonicalRequest))
//	Signature        = hex(HMAC-SHA256(secret, StringToSign))
//
// The payload hash is the x-acs-content-sha256 header, which must match the body the server received.
func (s Verifier) checkV3(c *request, authz string) (*signatureCheck, *Error) {
	algorithm, fieldList, _ := strings.Cut(authz, " ")
	if algorithm != v3Algorithm {
		return nil, NewError(http.StatusBadRequest, "InvalidSignatureMethod",
			"Specified signature method "+algorithm+" is not supported; the emulator accepts "+v3Algorithm+".")
	}
	fields := map[string]string{}
	for _, item := range strings.Split(fieldList, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(item), "=")
		if ok {
			fields[k] = v
		}
	}
	ak, signedList, provided := fields["Credential"], fields["SignedHeaders"], fields["Signature"]
	if ak == "" || signedList == "" || provided == "" {
		return nil, errIncomplete("the Authorization header needs Credential, SignedHeaders and Signature")
	}
	signed := strings.Split(signedList, ";")
	if !slices.Contains(signed, "host") {
		return nil, errIncomplete("host must be a signed header")
	}
	for name := range c.r.Header {
		if lower := strings.ToLower(name); strings.HasPrefix(lower, "x-acs-") && !slices.Contains(signed, lower) {
			return nil, errIncomplete("header " + lower + " is not signed")
		}
	}
	if id := c.r.Header.Get("x-acs-accesskey-id"); id != "" && id != ak {
		return nil, NewError(http.StatusBadRequest, "InvalidAccessKeyId.Malformed",
			"The x-acs-accesskey-id header does not match the Credential of the Authorization header.")
	}
	if e := s.checkTimestamp("x-acs-date", c.r.Header.Get("x-acs-date")); e != nil {
		return nil, e
	}
	payload := c.r.Header.Get("x-acs-content-sha256")
	if sum := sha256.Sum256(c.body); payload != hex.EncodeToString(sum[:]) {
		return nil, NewError(http.StatusBadRequest, "SignatureDoesNotMatch",
			"The x-acs-content-sha256 header does not match the SHA-256 of the request body.")
	}
	canonical := strings.Join([]string{
		c.r.Method,
		rpcEscapeReplacer.Replace(canonicalURI(c.r)),
		canonicalQuery(c.r.URL.Query()),
		canonicalHeaders(c.r, signed),
		signedList,
		payload,
	}, "\n")
	hashed := sha256.Sum256([]byte(canonical))
	stringToSign := v3Algorithm + "\n" + hex.EncodeToString(hashed[:])
	return &signatureCheck{
		accessKeyID: ak, token: c.r.Header.Get("x-acs-security-token"), provided: provided, stringToSign: stringToSign,
		sign: func(secret string) string {
			mac := hmac.New(sha256.New, []byte(secret))
			mac.Write([]byte(stringToSign))
			return hex.EncodeToString(mac.Sum(nil))
		},
	}, nil
}

func errIncomplete(detail string) *Error {
	return NewError(http.StatusBadRequest, "IncompleteSignature",
		"The request signature does not conform to Aliyun standards: "+detail+".")
}

// rpcEscapeReplacer turns url.QueryEscape output into the RFC 3986 form Alibaba Cloud signs.
var rpcEscapeReplacer = strings.NewReplacer("+", "%20", "*", "%2A", "%7E", "~")

func canonicalURI(r *http.Request) string {
	if p := r.URL.EscapedPath(); p != "" {
		return p
	}
	return "/"
}

// canonicalQuery sorts by key (bytewise) and writes "k=escaped(v)", or "k=" for an empty value. The SDK
// signs a map, so a key carries one value.
func canonicalQuery(q url.Values) string {
	parts := make([]string, 0, len(q))
	for _, k := range slices.Sorted(maps.Keys(q)) {
		parts = append(parts, k+"="+url.QueryEscape(q.Get(k)))
	}
	return rpcEscapeReplacer.Replace(strings.Join(parts, "&"))
}

// canonicalHeaders writes "name:value\n" for each signed header in the signed order; host comes from the
// request line because Go moves it out of the header map.
func canonicalHeaders(r *http.Request, signed []string) string {
	var b strings.Builder
	for _, name := range signed {
		var vals []string
		if name == "host" {
			vals = []string{r.Host}
		} else {
			for _, v := range r.Header.Values(name) {
				vals = append(vals, strings.TrimSpace(v))
			}
			sort.Strings(vals)
		}
		b.WriteString(name + ":" + strings.Join(vals, ",") + "\n")
	}
	return b.String()
}
