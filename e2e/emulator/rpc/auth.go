package rpc

import (
	"crypto/hmac"
	"fmt"
	"net/http"
	"time"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/svc"
)

// Verifier checks signatures and credentials against the emulator's keys.
type Verifier struct {
	Keys svc.KeyLookup    // nil rejects every request
	Now  func() time.Time // the wall clock; nil = time.Now
}

// request is what the signature schemes read.
type request struct {
	r    *http.Request
	p    Params
	body []byte
}

// maxClockSkew is how far a request's timestamp may be from the wall clock, as in the real gateway.
const maxClockSkew = 15 * time.Minute

// signatureCheck is what each scheme produces: who signed, with which token, and how to compute the
// expected signature once the secret is known. Credential problems are reported before signature ones
// because an STS key's secret only counts once its token checks out.
type signatureCheck struct {
	accessKeyID  string
	token        string
	provided     string
	stringToSign string
	sign         func(secret string) string
}

// Authenticate verifies the request in whichever form the SDK signed it: V3 (ACS3-HMAC-SHA256 in the
// Authorization header, the default) or the legacy RPC signature (HMAC-SHA1 in the Signature parameter,
// SignatureAlgorithm "v2"). Times are judged on the wall clock, not a service's movable clock:
// advancing that clock to expire snapshots must not expire the test's credentials too. body is the
// request body as read by ReadParams.
func (s Verifier) Authenticate(r *http.Request, p Params, body []byte) *Error {
	c := request{r: r, p: p, body: body}
	var (
		chk *signatureCheck
		e   *Error
	)
	switch authz := c.r.Header.Get("Authorization"); {
	case authz != "":
		chk, e = s.checkV3(&c, authz)
	case c.p.Has("Signature"):
		chk, e = s.checkV2(&c)
	default:
		return NewError(http.StatusBadRequest, "IncompleteSignature",
			"The request signature does not conform to Aliyun standards: the request is not signed.")
	}
	if e != nil {
		return e
	}
	key, e := s.resolveKey(chk.accessKeyID, chk.token)
	if e != nil {
		return e
	}
	if want := chk.sign(key.Secret); !hmac.Equal([]byte(want), []byte(chk.provided)) {
		return NewError(http.StatusBadRequest, "SignatureDoesNotMatch",
			"Specified signature is not matched with our calculation. server string to sign is:"+chk.stringToSign)
	}
	return nil
}

func (s Verifier) resolveKey(accessKeyID, token string) (svc.Key, *Error) {
	var (
		key svc.Key
		ok  bool
	)
	if s.Keys != nil && accessKeyID != "" {
		key, ok = s.Keys(accessKeyID)
	}
	if !ok {
		return svc.Key{}, NewError(http.StatusNotFound, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
	}
	expired := !key.Expiration.IsZero() && s.now().After(key.Expiration)
	if key.SecurityToken == "" {
		switch {
		case expired:
			return svc.Key{}, NewError(http.StatusForbidden, "Forbidden.AccessKeyDisabled", "The specified AccessKey is disabled.")
		case token != "":
			return svc.Key{}, NewError(http.StatusBadRequest, "InvalidSecurityToken.Malformed",
				"Specified SecurityToken is malformed: this AccessKey ID is not an STS key.")
		}
		return key, nil
	}
	switch {
	case token == "":
		return svc.Key{}, NewError(http.StatusBadRequest, "MissingSecurityToken",
			"The input parameter SecurityToken that is mandatory for an STS AccessKey is not supplied.")
	case token != key.SecurityToken:
		return svc.Key{}, NewError(http.StatusBadRequest, "InvalidSecurityToken.MismatchWithAccessKey",
			"Specified SecurityToken mismatch with the AccessKey.")
	case expired:
		return svc.Key{}, NewError(http.StatusBadRequest, "InvalidSecurityToken.Expired",
			fmt.Sprintf("Specified SecurityToken is expired at %s.", formatTime(key.Expiration)))
	}
	return key, nil
}

// checkTimestamp rejects a missing, malformed or stale request time ("2006-01-02T15:04:05Z").
func (s Verifier) checkTimestamp(name, raw string) *Error {
	t, err := time.Parse(TimeFormat, raw)
	if err != nil {
		return NewError(http.StatusBadRequest, "InvalidTimeStamp.Format",
			fmt.Sprintf("Specified time stamp or date value %s=%q is not well formatted.", name, raw))
	}
	if d := s.now().Sub(t); d > maxClockSkew || d < -maxClockSkew {
		return NewError(http.StatusBadRequest, "InvalidTimeStamp.Expired",
			fmt.Sprintf("Specified time stamp or date value %s is expired: the server time is %s.", raw, formatTime(s.now())))
	}
	return nil
}

func (s Verifier) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// TimeFormat is how Alibaba Cloud RPC APIs write request times: ISO 8601 in UTC, to the second.
const TimeFormat = "2006-01-02T15:04:05Z"

func formatTime(t time.Time) string { return t.UTC().Format(TimeFormat) }
