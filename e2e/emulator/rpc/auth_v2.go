package rpc

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
func (s Verifier) checkV2(c *request) (*signatureCheck, *Error) {
	if m := c.p.Str("SignatureMethod"); m != "HMAC-SHA1" {
		return nil, NewError(http.StatusBadRequest, "InvalidSignatureMethod",
			"Specified signature method "+m+" is not supported; the emulator accepts HMAC-SHA1.")
	}
	if v := c.p.Str("SignatureVersion"); v != "1.0" {
		return nil, NewError(http.StatusBadRequest, "InvalidSignatureVersion",
			"Specified signature version "+v+" is not supported; the emulator accepts 1.0.")
	}
	ak, e := c.p.Required("AccessKeyId")
	if e != nil {
		return nil, e
	}
	if e := s.checkTimestamp("Timestamp", c.p.Str("Timestamp")); e != nil {
		return nil, e
	}
	signed := url.Values{}
	for k, vals := range c.p.V {
		if k != "Signature" {
			signed[k] = vals
		}
	}
	stringToSign := c.r.Method + "&%2F&" + url.QueryEscape(rpcEscapeReplacer.Replace(signed.Encode()))
	return &signatureCheck{
		accessKeyID: ak, token: c.p.Str("SecurityToken"), provided: c.p.Str("Signature"), stringToSign: stringToSign,
		sign: func(secret string) string {
			mac := hmac.New(sha1.New, []byte(secret+"&"))
			mac.Write([]byte(stringToSign))
			return base64.StdEncoding.EncodeToString(mac.Sum(nil))
		},
	}, nil
}
