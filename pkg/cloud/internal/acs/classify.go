package acs

import (
	"context"
	"errors"
	"strings"

	"github.com/alibabacloud-go/tea/tea"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
)

// Classify turns an SDK error into a *cloud.Error of service once, so nothing above pkg/cloud looks at
// the service's codes; what the service itself answered goes to fromService with its code, status,
// message and request ID set, for the service's own rules. Credentials never appear in the SDK error
// fields copied.
func Classify(service, op, resource string, err error, fromService func(*cloud.Error) error) error {
	if err == nil {
		return nil
	}
	var ce *cloud.Error
	if errors.As(err, &ce) {
		return err
	}
	ce = &cloud.Error{Service: service, Operation: op, Resource: resource, Err: err}
	switch se := ServiceError(err); {
	case se != nil:
		ce.Code, ce.Status = tea.StringValue(se.Code), tea.IntValue(se.StatusCode)
		ce.Message, ce.RequestID = MessageOf(se)
		return fromService(ce)
	case errors.Is(err, context.DeadlineExceeded):
		ce.Kind, ce.Message = cloud.ErrUnavailable, "timed out"
	case errors.Is(err, context.Canceled):
		ce.Kind, ce.Message = cloud.ErrUnavailable, "cancelled"
	default:
		ce.Kind, ce.Message = cloud.ErrUnavailable, TransportMessage(err)
	}
	return ce
}

// deniedPrefixes start the codes of a caller the gateway does not accept, whatever their HTTP status
// (InvalidAccessKeyId.NotFound is a 404, yet nothing the call names is missing).
var deniedPrefixes = []string{
	"Forbidden", "InvalidAccessKeyId", "SignatureDoesNotMatch", "IncompleteSignature", "InvalidSecurityToken",
	"NoPermission", "UnauthorizedOperation", "InvalidAccessKeySecret", "MissingSecurityToken",
}

// DeniedCode tells the codes of a caller the service does not accept: credentials, signature or RAM.
func DeniedCode(code string) bool {
	for _, p := range deniedPrefixes {
		if strings.HasPrefix(code, p) {
			return true
		}
	}
	return false
}
