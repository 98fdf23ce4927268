package ecs

import (
	"context"
	"errors"
	"strings"

	"github.com/alibabacloud-go/tea/tea"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/internal/acs"
)

// deniedPrefixes start the codes of a caller ECS does not accept, whatever their HTTP status
// (InvalidAccessKeyId.NotFound is a 404, yet no disk or snapshot is missing).
var deniedPrefixes = []string{
	"Forbidden", "InvalidAccessKeyId", "SignatureDoesNotMatch", "IncompleteSignature", "InvalidSecurityToken",
	"NoPermission", "UnauthorizedOperation", "InvalidAccessKeySecret", "MissingSecurityToken",
}

// classify turns an SDK error into a *cloud.Error once, here, so nothing above this package looks at
// ECS codes. Credentials never appear in the SDK error fields we copy.
func classify(op, resource string, err error) error {
	if err == nil {
		return nil
	}
	var ce *cloud.Error
	if errors.As(err, &ce) {
		return err
	}
	ce = &cloud.Error{Service: "ecs", Operation: op, Resource: resource, Err: err}
	se := acs.ServiceError(err)
	switch {
	case se != nil:
		ce.Code, ce.Status = tea.StringValue(se.Code), tea.IntValue(se.StatusCode)
		ce.Message, ce.RequestID = acs.MessageOf(se)
		ce.Kind = kindOf(ce.Status, ce.Code)
	case errors.Is(err, context.DeadlineExceeded):
		ce.Kind, ce.Message = cloud.ErrUnavailable, "timed out"
	case errors.Is(err, context.Canceled):
		ce.Kind, ce.Message = cloud.ErrUnavailable, "cancelled"
	default:
		ce.Kind, ce.Message = cloud.ErrUnavailable, acs.TransportMessage(err)
	}
	return ce
}

func kindOf(status int, code string) error {
	for _, p := range deniedPrefixes {
		if strings.HasPrefix(code, p) {
			return cloud.ErrDenied
		}
	}
	switch {
	case strings.HasPrefix(code, "Throttling") || status == 429:
		return cloud.ErrThrottled
	case strings.HasSuffix(code, ".NotFound") || status == 404:
		return cloud.ErrNotFound
	case status >= 500:
		return cloud.ErrUnavailable
	default:
		return cloud.ErrInvalid
	}
}

func notFound(op, resource, requestID, message string) error {
	return &cloud.Error{Service: "ecs", Operation: op, Resource: resource, Kind: cloud.ErrNotFound,
		Message: message, RequestID: requestID}
}
