package hbr

import (
	"fmt"
	"net/http"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/faults"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/rpc"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/svc"
)

// call carries one request through routing, fault injection, authentication and the action.
type call struct {
	w        http.ResponseWriter
	r        *http.Request
	id       string
	action   string
	p        rpc.Params
	body     []byte
	resource string // what faults and logs see as the addressed resource: "VAULT/ID"
	now      time.Time
	errCode  string
}

// base is what every HBR answer carries: HBR repeats the outcome in the body.
type base struct {
	RequestID string `json:"RequestId"`
	Code      string `json:"Code"`
	Message   string `json:"Message"`
	Success   bool   `json:"Success"`
}

func (c *call) ok() base {
	return base{RequestID: c.id, Code: "200", Message: "successful", Success: true}
}

// ServeHTTP answers one HBR request.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.inflight.Add(1)
	defer s.inflight.Done()
	start := time.Now()
	rec := svc.NewRecorder(w)
	c := &call{w: rec, r: r, id: rpc.NewRequestID()}
	rec.Header().Set("x-acs-request-id", c.id)
	if e := s.serve(c); e != nil {
		c.writeError(e)
	}
	s.stats.Record(c.action, c.errCode, rec.Status)
	s.log.WithFields(logrus.Fields{
		"action": c.action, "resource": c.resource, "status": rec.Status, "code": c.errCode,
		"request_id": c.id, "duration": time.Since(start).Round(time.Microsecond),
	}).Debug("hbr request")
}

func (s *Service) serve(c *call) *rpc.Error {
	p, body, e := rpc.ReadParams(c.r)
	if e != nil {
		c.action = "Unknown"
		return e
	}
	c.p, c.body = p, body
	if c.action = c.r.Header.Get("x-acs-action"); c.action == "" {
		c.action = p.Str("Action")
	}
	if v := rpc.Version(c.r, p); v != APIVersion {
		return rpc.NewError(http.StatusBadRequest, "InvalidVersion", fmt.Sprintf("Specified parameter Version %q is not valid; HBR speaks %s.", v, APIVersion))
	}
	act, ok := actions[c.action]
	if !ok {
		return rpc.NewError(http.StatusNotFound, "InvalidAction.NotFound",
			fmt.Sprintf("Specified api %s is not found, please check your url and method.", c.action))
	}
	s.mu.Lock()
	c.resource = s.target(act, p)
	s.mu.Unlock()
	f, faulty := s.cfg.Faults.Match(ServiceName, c.action, c.resource)
	if faulty {
		if done, e := s.applyFault(c, f); done || e != nil {
			return e
		}
	}
	if e := (rpc.Verifier{Keys: s.cfg.Keys, Now: s.wall}).Authenticate(c.r, c.p, c.body); e != nil {
		return e
	}
	resp, e := s.run(c, act)
	if e != nil {
		return e
	}
	if faulty && f.LoseAnswer {
		s.log.WithFields(logrus.Fields{"action": c.action, "request_id": c.id}).Info("fault: request done, answer lost")
		c.errCode = "AnswerLost"
		if err := faults.ResetRequest(c.w, c.r); err != nil {
			s.log.WithError(err).Warn("fault: reset failed")
		}
		return nil
	}
	rpc.WriteJSON(c.w, http.StatusOK, resp, c.id)
	return nil
}

// run executes the action under the state lock, after releasing expired snapshots. An account without
// Cloud Backup gets nothing done.
func (s *Service) run(c *call, act action) (any, *rpc.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.settings.Activated {
		return nil, errNotActivated()
	}
	c.now = s.now()
	s.reapLocked(c.now)
	return act.run(s, c)
}

// applyFault delays, fails or resets the request. done means the connection is gone.
func (s *Service) applyFault(c *call, f faults.Fault) (done bool, e *rpc.Error) {
	log := s.log.WithFields(logrus.Fields{"action": c.action, "request_id": c.id})
	faults.Delay(c.r.Context(), f.Latency)
	switch {
	case f.ResetMidBody:
		log.Info("fault: resetting connection")
		c.errCode = "ConnectionReset"
		if err := faults.ResetRequest(c.w, c.r); err != nil {
			log.WithError(err).Warn("fault: reset failed")
		}
		return true, nil
	case f.IsError():
		status, code := f.Status, f.Code
		if status == 0 {
			status = statusForCode(code)
		}
		if code == "" {
			code = codeForStatus(status)
		}
		msg := f.Message
		if msg == "" {
			msg = "Injected fault: " + code + "."
		}
		log.WithFields(logrus.Fields{"status": status, "code": code}).Info("fault: failing request")
		return false, rpc.NewError(status, code, msg)
	}
	return false, nil
}

// writeError answers an HTTP error, or for a business refusal (status 200) HBR's HTTP 200 with
// Success false.
func (c *call) writeError(e *rpc.Error) {
	c.errCode = e.Code
	if e.Status == http.StatusOK {
		rpc.WriteJSON(c.w, http.StatusOK, base{RequestID: c.id, Code: e.Code, Message: e.Message}, c.id)
		return
	}
	rpc.WriteError(c.w, c.r, e, c.id, "hbr")
}
