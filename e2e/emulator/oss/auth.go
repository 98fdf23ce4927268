package oss

import (
	"crypto/hmac"
	"net/http"
	"strings"
	"time"
)

// maxClockSkew is how far a header-signed request's date may be from the server clock.
const maxClockSkew = 15 * time.Minute

// signatureCheck is what every scheme produces: who signed, with which token, and a way to compute the
// expected signature once the secret is known. Credential problems are reported before signature problems,
// as OSS does, because the secret of an STS key is only known after its token checks out.
type signatureCheck struct {
	accessKeyID  string
	token        string
	provided     string
	stringToSign string
	sign         func(secret string) string
}

// authenticate verifies the request's signature in whichever form it comes: V1, V2 or V4 in the
// Authorization header, or as presigned query parameters.
func (s *Service) authenticate(c *call) *apiError {
	var (
		chk *signatureCheck
		e   *apiError
	)
	authz := c.r.Header.Get("Authorization")
	switch {
	case strings.HasPrefix(authz, v4Algorithm+" "):
		chk, e = s.v4Header(c, strings.TrimPrefix(authz, v4Algorithm+" "))
	case strings.HasPrefix(authz, v2Scheme+" "):
		chk, e = s.v2Header(c, strings.TrimPrefix(authz, v2Scheme+" "))
	case strings.HasPrefix(authz, "OSS "):
		chk, e = s.v1Header(c, strings.TrimPrefix(authz, "OSS "))
	case authz != "":
		return newError(http.StatusBadRequest, "InvalidArgument",
			"The emulator accepts the OSS (V1), OSS2 (V2) and OSS4-HMAC-SHA256 (V4) authorization schemes only.")
	case c.query.Get("x-oss-signature-version") == v2Scheme:
		chk, e = s.v2Query(c)
	case c.has("x-oss-signature-version") || c.has("x-oss-signature") || c.has("x-oss-credential"):
		chk, e = s.v4Query(c)
	case c.has("OSSAccessKeyId") || c.has("Signature"):
		chk, e = s.v1Query(c)
	default:
		return newError(http.StatusForbidden, "AccessDenied", "You have no right to access this object because of bucket acl.")
	}
	if e != nil {
		return e
	}
	key, e := s.resolveKey(chk.accessKeyID, chk.token)
	if e != nil {
		return e
	}
	if want := chk.sign(key.Secret); !hmac.Equal([]byte(want), []byte(chk.provided)) {
		return newError(http.StatusForbidden, "SignatureDoesNotMatch",
			"The request signature we calculated does not match the signature you provided. Check your key and signing method.").
			with("OSSAccessKeyId", chk.accessKeyID).
			with("SignatureProvided", chk.provided).
			with("StringToSign", chk.stringToSign)
	}
	return nil
}

// securityToken finds the STS token wherever the signing scheme put it.
func securityToken(c *call) string {
	if t := c.r.Header.Get("x-oss-security-token"); t != "" {
		return t
	}
	if t := c.query.Get("security-token"); t != "" {
		return t
	}
	return c.query.Get("x-oss-security-token")
}

func (s *Service) resolveKey(accessKeyID, token string) (Key, *apiError) {
	var (
		key Key
		ok  bool
	)
	if s.cfg.Keys != nil {
		key, ok = s.cfg.Keys(accessKeyID)
	}
	if !ok {
		return Key{}, newError(http.StatusForbidden, "InvalidAccessKeyId",
			"The OSS Access Key Id you provided does not exist in our records.").with("OSSAccessKeyId", accessKeyID)
	}
	expired := !key.Expiration.IsZero() && s.now().After(key.Expiration)
	if key.SecurityToken == "" {
		if expired {
			return Key{}, newError(http.StatusForbidden, "InvalidAccessKeyId",
				"The OSS Access Key Id you provided is disabled.").with("OSSAccessKeyId", accessKeyID)
		}
		if token != "" {
			return Key{}, newError(http.StatusForbidden, "InvalidSecurityToken",
				"The security token you provided is invalid: this AccessKey ID is not an STS key.").with("OSSAccessKeyId", accessKeyID)
		}
		return key, nil
	}
	switch {
	case token == "":
		// Real OSS does not know an STS key without its token, hence InvalidAccessKeyId rather than a token error.
		return Key{}, newError(http.StatusForbidden, "InvalidAccessKeyId",
			"The OSS Access Key Id you provided does not exist in our records. The Security Token may be lost to specify that it is a STS Access Id.").
			with("OSSAccessKeyId", accessKeyID)
	case token != key.SecurityToken:
		return Key{}, newError(http.StatusForbidden, "InvalidSecurityToken", "The security token you provided is invalid.").
			with("OSSAccessKeyId", accessKeyID)
	case expired:
		return Key{}, newError(http.StatusForbidden, "SecurityTokenExpired", "The security token you provided has expired.").
			with("OSSAccessKeyId", accessKeyID).
			with("Expiration", key.Expiration.UTC().Format(time.RFC3339))
	}
	return key, nil
}

// checkSkew rejects header-signed requests whose date is too far from now, like OSS; the SDK reads the
// server time from the Date header of this error to correct its clock.
func (s *Service) checkSkew(requestTime time.Time, raw string) *apiError {
	now := s.now()
	if d := now.Sub(requestTime); d > maxClockSkew || d < -maxClockSkew {
		return newError(http.StatusForbidden, "RequestTimeTooSkewed",
			"The difference between the request time and the current time is too large.").
			with("RequestTime", raw).
			with("ServerTime", now.UTC().Format(time.RFC3339)).
			with("MaxAllowedSkewMilliseconds", "900000")
	}
	return nil
}

func errExpired(expiresAt, now time.Time) *apiError {
	e := newError(http.StatusForbidden, "AccessDenied", "Request has expired.").
		with("Expires", expiresAt.UTC().Format(time.RFC3339)).
		with("ServerTime", now.UTC().Format(time.RFC3339))
	e.ec = "0002-00000069"
	return e
}

func errBadAuthorization(detail string) *apiError {
	return newError(http.StatusBadRequest, "InvalidArgument", "Authorization header is invalid: "+detail)
}
