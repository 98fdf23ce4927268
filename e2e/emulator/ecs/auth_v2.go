package ecs

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"net/url"
)

// checkV2 verifies the legacy RPC signature (SignatureVersion 1.0, HMAC-SHA1) that darabonba-openapi
// sends when Config.SignatureAlgorithm is "v2" (openapi-util GetRPCSignature):
//
//	StringToSign = METHOD & %2F & escape(sorted "k=v" pairs of every parameter but Signature, joined by &)
//	Signature    = base64(HMAC-SHA1(secret + "&", StringToSign))
//
// Parameters from the query and from a form body count alike.
func (s *Service) checkV2(c *call) (*signatureCheck, *apiError) {
	if m := c.p.str("SignatureMethod"); m != "HMAC-SHA1" {
		return nil, newError(http.StatusBadRequest, "InvalidSignatureMethod",
			"Specified signature method "+m+" is not supported; the emulator accepts HMAC-SHA1.")
	}
	if v := c.p.str("SignatureVersion"); v != "1.0" {
		return nil, newError(http.StatusBadRequest, "InvalidSignatureVersion",
			"Specified signature version "+v+" is not supported; the emulator accepts 1.0.")
	}
	ak, e := c.p.required("AccessKeyId")
	if e != nil {
		return nil, e
	}
	if e := s.checkTimestamp("Timestamp", c.p.str("Timestamp")); e != nil {
		return nil, e
	}
	signed := url.Values{}
	for k, vals := range c.p.v {
		if k != "Signature" {
			signed[k] = vals
		}
	}
	stringToSign := c.r.Method + "&%2F&" + url.QueryEscape(rpcEscapeReplacer.Replace(signed.Encode()))
	return &signatureCheck{
		accessKeyID: ak, token: c.p.str("SecurityToken"), provided: c.p.str("Signature"), stringToSign: stringToSign,
		sign: func(secret string) string {
			mac := hmac.New(sha1.New, []byte(secret+"&"))
			mac.Write([]byte(stringToSign))
			return base64.StdEncoding.EncodeToString(mac.Sum(nil))
		},
	}, nil
}
