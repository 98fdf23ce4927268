package oss

import (
	"context"
	"errors"
	"net"
	"strings"

	ossdk "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
)

// Codes OSS uses for a bad or unauthorised caller.
var deniedCodes = map[string]bool{
	"AccessDenied":          true,
	"InvalidAccessKeyId":    true,
	"SignatureDoesNotMatch": true,
	"InvalidSecurityToken":  true,
	"SecurityTokenExpired":  true,
	"KmsServiceNotEnabled":  true,
	"KmsPermissionDenied":   true,
	"UserDisable":           true,
}

// classify turns an SDK error into a *cloud.Error once, here, so nothing above this package looks at
// OSS codes. Credentials never appear in SDK error fields we copy.
func classify(op, resource string, err error) error {
	if err == nil {
		return nil
	}
	ce := &cloud.Error{Service: "oss", Operation: op, Resource: resource, Err: err}
	var se *ossdk.ServiceError
	switch {
	case errors.As(err, &se):
		ce.Code, ce.Message, ce.RequestID, ce.Status = se.Code, se.Message, se.RequestID, se.StatusCode
		ce.Kind = kindOf(se.StatusCode, se.Code)
	case isCRCMismatch(err):
		ce.Kind, ce.Message = cloud.ErrIntegrity, "crc64 of the data does not match the server's"
	case errors.Is(err, context.DeadlineExceeded):
		ce.Kind, ce.Message = cloud.ErrUnavailable, "timed out"
	case errors.Is(err, context.Canceled):
		ce.Kind, ce.Message = cloud.ErrUnavailable, "cancelled"
	default:
		ce.Kind = cloud.ErrUnavailable
		ce.Message = networkMessage(err)
	}
	return ce
}

func kindOf(status int, code string) error {
	switch {
	case code == "FileAlreadyExists":
		return cloud.ErrAlreadyExists
	case code == "NoSuchBucket" || code == "NoSuchKey" || code == "NoSuchUpload" || status == 404:
		return cloud.ErrNotFound
	case deniedCodes[code] || status == 403:
		return cloud.ErrDenied
	case status == 429 || strings.Contains(code, "Throttl") || code == "SlowDown":
		return cloud.ErrThrottled
	case status >= 500:
		return cloud.ErrUnavailable
	default:
		return cloud.ErrInvalid
	}
}

// isCRCMismatch matches the SDK's unexported "crc is inconsistent" error.
func isCRCMismatch(err error) bool {
	return strings.Contains(err.Error(), "crc is inconsistent")
}

// networkMessage describes a transport failure without the request URL, which for presigned
// requests would carry signatures.
func networkMessage(err error) string {
	var dnsErr *net.DNSError
	var opErr *net.OpError
	switch {
	case errors.As(err, &dnsErr):
		return "cannot resolve host " + dnsErr.Name
	case errors.As(err, &opErr):
		if opErr.Addr != nil {
			return "cannot reach " + opErr.Addr.String() + ": " + opErr.Err.Error()
		}
		return opErr.Err.Error()
	}
	msg := err.Error()
	// The SDK prefixes "operation error X: " and may embed the URL; keep the last, most specific part.
	if i := strings.LastIndex(msg, ": "); i >= 0 && i+2 < len(msg) {
		msg = msg[i+2:]
	}
	return msg
}

// isCode reports whether err is a classified OSS error with the given code.
func isCode(err error, code string) bool {
	var ce *cloud.Error
	return errors.As(err, &ce) && ce.Code == code
}

// IsBucketMissing reports whether err says the bucket itself does not exist.
func IsBucketMissing(err error) bool { return isCode(err, "NoSuchBucket") }
