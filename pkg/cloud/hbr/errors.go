package hbr

import (
	"errors"
	"reflect"
	"strconv"
	"strings"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/internal/acs"
)

// HBR failures that need more than a retry, in the words ACK Backup Center shows for them. An error of
// either kind is also a *cloud.Error (cloud.ErrDenied, cloud.ErrInvalid) with HBR's code and request ID.
var (
	// ErrNotActivated: Cloud Backup is not activated for the account, or RAM keeps it from the vault.
	ErrNotActivated = errors.New("HBRError: check HBR vault error")
	// ErrVaultDeleted: the vault was deleted; HBR refuses its jobs until the locations using it are gone.
	ErrVaultDeleted = errors.New("HBRError: vault deleted")
)

// classify turns an SDK error into a *cloud.Error once, here, so nothing above this package looks at
// HBR codes.
func classify(op, resource string, err error) error {
	return acs.Classify("hbr", op, resource, err, special)
}

// answerError reads the business failure HBR answers with HTTP 200 ({"Success": false, "Code": ...}),
// and a success without a body, which is no answer at all.
func answerError(op, resource string, answer any) error {
	body := reflect.ValueOf(answer)
	if body.Kind() == reflect.Pointer && !body.IsNil() {
		body = body.Elem().FieldByName("Body")
	}
	if body.Kind() != reflect.Pointer || body.IsNil() {
		return incomplete(op, resource, "", "body")
	}
	field := func(name string) reflect.Value {
		if v := body.Elem().FieldByName(name); v.Kind() == reflect.Pointer && !v.IsNil() {
			return v.Elem()
		}
		return reflect.Value{}
	}
	if success := field("Success"); !success.IsValid() || success.Bool() {
		return nil
	}
	ce := &cloud.Error{Service: "hbr", Operation: op, Resource: resource, RequestID: acs.RequestID(answer)}
	if v := field("Code"); v.IsValid() {
		ce.Code = v.String()
	}
	if v := field("Message"); v.IsValid() {
		ce.Message = v.String()
	}
	// HBR's business codes are often HTTP statuses ("400"), which then say what the status would.
	ce.Status, _ = strconv.Atoi(ce.Code)
	return special(ce)
}

// special classifies ce by its code and message, and wraps the failures ACK words its own way.
func special(ce *cloud.Error) error {
	ce.Kind = kindOf(ce.Status, ce.Code)
	msg, code := strings.ToLower(ce.Message), strings.ToLower(ce.Code)
	switch {
	case strings.Contains(code, "notactivat") || strings.Contains(code, "notopen") ||
		strings.Contains(msg, "not activated") || strings.Contains(msg, "not been activated"):
		ce.Kind = cloud.ErrDenied
		return &hbrError{kind: ErrNotActivated, ce: ce}
	case strings.HasPrefix(msg, "illegal request"):
		ce.Kind = cloud.ErrInvalid
		return &hbrError{kind: ErrVaultDeleted, ce: ce}
	}
	return ce
}

func kindOf(status int, code string) error {
	switch {
	// MagpieBridgeSlrNotExist: the account lacks HBR's service-linked role.
	case acs.DeniedCode(code) || strings.HasPrefix(code, "MagpieBridgeSlrNotExist"):
		return cloud.ErrDenied
	case strings.HasPrefix(code, "Throttling") || status == 429:
		return cloud.ErrThrottled
	case strings.HasSuffix(code, "NotFound") || strings.HasSuffix(code, "NotExist") || status == 404:
		return cloud.ErrNotFound
	case status == 401 || status == 403:
		return cloud.ErrDenied
	case status >= 500 || code == "InternalError" || code == "ServiceUnavailable":
		return cloud.ErrUnavailable
	default:
		return cloud.ErrInvalid
	}
}

// hbrError is a classified error ACK words its own way; errors.Is finds both its kind and the cloud one.
type hbrError struct {
	kind error
	ce   *cloud.Error
}

func (e *hbrError) Error() string {
	ce := e.ce
	if e.kind == ErrVaultDeleted {
		// ACK: "HBRError: ... code: 400, Illegal request. Please modify the parameters".
		code := ce.Code
		if ce.Status != 0 {
			code = strconv.Itoa(ce.Status)
		}
		return "HBRError: hbr " + ce.Operation + " " + ce.Resource + ": code: " + code + ", " + ce.Message + requestIDSuffix(ce.RequestID)
	}
	return e.kind.Error() + ": " + ce.Error()
}

func (e *hbrError) Is(target error) bool { return target == e.kind || e.ce.Is(target) }

func (e *hbrError) Unwrap() error { return e.ce }

func requestIDSuffix(id string) string {
	if id == "" {
		return ""
	}
	return " (request id " + id + ")"
}
