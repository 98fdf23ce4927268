package oss

import (
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// Errors returned by the Go API of Service. HTTP clients see the matching OSS error codes instead.
var (
	ErrNoSuchBucket      = errors.New("no such bucket")
	ErrNoSuchKey         = errors.New("no such key")
	ErrNoSuchUpload      = errors.New("no such upload")
	ErrBucketExists      = errors.New("bucket already exists")
	ErrInvalidBucketName = errors.New("invalid bucket name")
)

// apiError is an OSS error response. Extra elements (Key, BucketName, StringToSign...) follow RequestId and
// HostId the way real OSS orders them, and EC comes last.
type apiError struct {
	status  int
	code    string
	message string
	ec      string
	extra   []xmlField
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.code, e.message) }

func (e *apiError) with(name, value string) *apiError {
	e.extra = append(e.extra, xmlField{XMLName: xml.Name{Local: name}, Value: value})
	return e
}

func newError(status int, code, message string) *apiError {
	return &apiError{status: status, code: code, message: message, ec: errorEC[code]}
}

// errorEC holds the EC values real OSS sends for the codes the emulator produces most; the SDK only
// surfaces them, so an unknown one is left empty rather than invented.
var errorEC = map[string]string{
	"NoSuchKey":             "0026-00000001",
	"NoSuchBucket":          "0015-00000101",
	"SignatureDoesNotMatch": "0002-00000040",
	"SecurityTokenExpired":  "0002-00000007",
}

// codeStatus is the HTTP status of each well-known code.
var codeStatus = map[string]int{
	"AccessDenied":          http.StatusForbidden,
	"InvalidAccessKeyId":    http.StatusForbidden,
	"SignatureDoesNotMatch": http.StatusForbidden,
	"RequestTimeTooSkewed":  http.StatusForbidden,
	"SecurityTokenExpired":  http.StatusForbidden,
	"InvalidSecurityToken":  http.StatusForbidden,
	"NoSuchKey":             http.StatusNotFound,
	"NoSuchBucket":          http.StatusNotFound,
	"NoSuchUpload":          http.StatusNotFound,
	"InvalidArgument":       http.StatusBadRequest,
	"BadRequest":            http.StatusBadRequest,
	"RequestTimeout":        http.StatusBadRequest,
	"InternalError":         http.StatusInternalServerError,
	"ServiceUnavailable":    http.StatusServiceUnavailable,
	"SlowDown":              http.StatusServiceUnavailable,
	"Throttling":            http.StatusServiceUnavailable,
	"TooManyRequests":       http.StatusTooManyRequests,
}

// statusForCode gives the status of a fault that names only a code; a code OSS does not know is a 500.
func statusForCode(code string) int {
	if status := codeStatus[code]; status != 0 {
		return status
	}
	return http.StatusInternalServerError
}

// codeForStatus gives the code of a fault that names only a status.
func codeForStatus(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "InvalidArgument"
	case http.StatusForbidden:
		return "AccessDenied"
	case http.StatusNotFound:
		return "NoSuchKey"
	case http.StatusConflict:
		return "OperationConflict"
	case http.StatusTooManyRequests:
		return "TooManyRequests"
	case http.StatusServiceUnavailable:
		return "ServiceUnavailable"
	default:
		return "InternalError"
	}
}

func errNoSuchBucket(bucket string) *apiError {
	return newError(http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist.").with("BucketName", bucket)
}

func errNoSuchKey(key string) *apiError {
	return newError(http.StatusNotFound, "NoSuchKey", "The specified key does not exist.").with("Key", key)
}

func errNoSuchUpload(uploadID string) *apiError {
	return newError(http.StatusNotFound, "NoSuchUpload",
		"The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.").
		with("UploadId", uploadID)
}

func errInvalidArgument(message, name, value string) *apiError {
	return newError(http.StatusBadRequest, "InvalidArgument", message).with("ArgumentName", name).with("ArgumentValue", value)
}

func errMalformedXML(cause error) *apiError {
	return newError(http.StatusBadRequest, "MalformedXML",
		"The XML you provided was not well-formed or did not validate against our published schema: "+cause.Error())
}

func errInternal(err error) *apiError {
	return newError(http.StatusInternalServerError, "InternalError", "We encountered an internal error: "+err.Error())
}

type xmlField struct {
	XMLName xml.Name
	Value   string `xml:",chardata"`
}

type errorBody struct {
	XMLName   xml.Name   `xml:"Error"`
	Code      string     `xml:"Code"`
	Message   string     `xml:"Message"`
	RequestID string     `xml:"RequestId"`
	HostID    string     `xml:"HostId"`
	Extra     []xmlField `xml:",any"`
	EC        string     `xml:"EC"`
}

// drainLimit bounds how much of an unread request body is swallowed before an error response. Without it
// Go closes the connection after 256 KiB and a client still uploading sees "connection reset" instead of
// the error code; beyond it, a reset is what a real server would do too.
const drainLimit = 32 << 20

// writeError sends e in the OSS format. HEAD responses have no body, so the XML travels base64-encoded in
// x-oss-err with the EC in x-oss-ec, which is where the SDK looks for it.
func (c *call) writeError(e *apiError) {
	c.errCode = e.code
	if c.r.Body != nil {
		_, _ = io.CopyN(io.Discard, c.r.Body, drainLimit)
	}
	body, err := xml.Marshal(errorBody{Code: e.code, Message: e.message, RequestID: c.id, HostID: c.r.Host,
		Extra: e.extra, EC: e.ec})
	if err != nil {
		body = []byte("<Error><Code>InternalError</Code></Error>")
	}
	body = append([]byte(xml.Header), body...)
	h := c.w.Header()
	h.Set("Content-Type", "application/xml")
	if e.ec != "" {
		h.Set("x-oss-ec", e.ec)
	}
	if c.r.Method == http.MethodHead {
		h.Set("x-oss-err", base64.StdEncoding.EncodeToString(body))
		c.w.WriteHeader(e.status)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	c.w.WriteHeader(e.status)
	_, _ = c.w.Write(body)
}
