package rpc

import (
	"fmt"
	"net/http"

	"github.com/sirupsen/logrus"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/faults"
)

// Begin reads what every RPC request starts with: its parameters (query and form body), the body its
// signature covers, and its action ("Unknown" when the parameters cannot be read). A request of another
// API version than version is refused; product names the API in that answer.
func Begin(r *http.Request, product, version string) (p Params, body []byte, action string, e *Error) {
	p, body, e = ReadParams(r)
	if e != nil {
		return p, nil, "Unknown", e
	}
	if action = r.Header.Get("x-acs-action"); action == "" {
		action = p.Str("Action")
	}
	if v := Version(r, p); v != version {
		return p, body, action, NewError(http.StatusBadRequest, "InvalidVersion",
			fmt.Sprintf("Specified parameter Version %q is not valid; %s speaks %s.", v, product, version))
	}
	return p, body, action, nil
}

// ErrUnknownAction is the answer to an action the API does not have.
func ErrUnknownAction(action string) *Error {
	return NewError(http.StatusNotFound, "InvalidAction.NotFound",
		fmt.Sprintf("Specified api %s is not found, please check your url and method.", action))
}

// InjectFault does what fault f does before the action runs: it waits f's latency, then resets the
// connection (reset: nothing more may be written) or returns the error answer f injects; when f names
// only a code or only a status, statusOf or codeOf gives the other.
func InjectFault(w http.ResponseWriter, r *http.Request, f faults.Fault, log logrus.FieldLogger,
	statusOf func(code string) int, codeOf func(status int) string) (reset bool, e *Error) {
	faults.Delay(r.Context(), f.Latency)
	switch {
	case f.ResetMidBody:
		log.Info("fault: resetting connection")
		if err := faults.ResetRequest(w, r); err != nil {
			log.WithError(err).Warn("fault: reset failed")
		}
		return true, nil
	case f.IsError():
		status, code, msg := f.Answer(statusOf, codeOf)
		log.WithFields(logrus.Fields{"status": status, "code": code}).Info("fault: failing request")
		return false, NewError(status, code, msg)
	}
	return false, nil
}

// LoseAnswer resets the connection of a request that was carried out, as when its answer is lost on
// the way back.
func LoseAnswer(w http.ResponseWriter, r *http.Request, log logrus.FieldLogger) {
	log.Info("fault: request done, answer lost")
	if err := faults.ResetRequest(w, r); err != nil {
		log.WithError(err).Warn("fault: reset failed")
	}
}
