package ecs

import (
	"crypto/hmac"
	"fmt"
	"net/http"
	"time"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/svc"
)

// Key and KeyLookup are the emulator's accepted keys, shared by every service.
type (
	Key       = svc.Key
	KeyLookup = svc.KeyLookup
)

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

// authenticate verifies the request in whichever form the SDK signed it: V3 (ACS3-HMAC-SHA256 in the
// Authorization header, the default) or the legacy RPC signature (HMAC-SHA1 in the Signature parameter,
// SignatureAlgorithm "v2"). Times are judged on the wall clock, not the ECS clock: advancing the ECS
// clock to expire snapshots must not expire the test's credentials too.
func (s *Service) authenticate(c *call) *apiError {
	var (
		chk *signatureCheck
		e   *apiError
	)
	switch authz := c.r.Header.Get("Authorization"); {
	case authz != "":
		chk, e = s.checkV3(c, authz)
	case c.p.has("Signature"):
		chk, e = s.checkV2(c)
	default:
		return newError(http.StatusBadRequest, "IncompleteSignature",
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
		return newError(http.StatusBadRequest, "SignatureDoesNotMatch",
			"Specified signature is not matched with our calculation. server string to sign is:"+chk.stringToSign)
	}
	return nil
}

func (s *Service) resolveKey(accessKeyID, token string) (Key, *apiError) {
	var (
		key Key
		ok  bool
	)
	if s.cfg.Keys != nil && accessKeyID != "" {
		key, ok = s.cfg.Keys(accessKeyID)
	}
	if !ok {
		return Key{}, newError(http.StatusNotFound, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
	}
	expired := !key.Expiration.IsZero() && s.wall().After(key.Expiration)
	if key.SecurityToken == "" {
		switch {
		case expired:
			return Key{}, newError(http.StatusForbidden, "Forbidden.AccessKeyDisabled", "The specified AccessKey is disabled.")
		case token != "":
			return Key{}, newError(http.StatusBadRequest, "InvalidSecurityToken.Malformed",
				"Specified SecurityToken is malformed: this AccessKey ID is not an STS key.")
		}
		return key, nil
	}
	switch {
	case token == "":
		return Key{}, newError(http.StatusBadRequest, "MissingSecurityToken",
			"The input parameter SecurityToken that is mandatory for an STS AccessKey is not supplied.")
	case token != key.SecurityToken:
		return Key{}, newError(http.StatusBadRequest, "InvalidSecurityToken.MismatchWithAccessKey",
			"Specified SecurityToken mismatch with the AccessKey.")
	case expired:
		return Key{}, newError(http.StatusBadRequest, "InvalidSecurityToken.Expired",
			fmt.Sprintf("Specified SecurityToken is expired at %s.", formatTime(key.Expiration)))
	}
	return key, nil
}

// checkTimestamp rejects a missing, malformed or stale request time ("2006-01-02T15:04:05Z").
func (s *Service) checkTimestamp(name, raw string) *apiError {
	t, err := time.Parse(timeFormat, raw)
	if err != nil {
		return newError(http.StatusBadRequest, "InvalidTimeStamp.Format",
			fmt.Sprintf("Specified time stamp or date value %s=%q is not well formatted.", name, raw))
	}
	if d := s.wall().Sub(t); d > maxClockSkew || d < -maxClockSkew {
		return newError(http.StatusBadRequest, "InvalidTimeStamp.Expired",
			fmt.Sprintf("Specified time stamp or date value %s is expired: the server time is %s.", raw, formatTime(s.wall())))
	}
	return nil
}
