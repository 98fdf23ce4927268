package hbr

import (
	"net/http"
	"time"

	"github.com/sirupsen/logrus"

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
	counted := rec.CountWhenAnswered(func(status int) { s.stats.Record(c.action, c.errCode, status) })
	if e := s.serve(c); e != nil {
		c.writeError(e)
	}
	counted()
	s.log.WithFields(logrus.Fields{
		"action": c.action, "resource": c.resource, "status": rec.Status, "code": c.errCode,
		"request_id": c.id, "duration": time.Since(start).Round(time.Microsecond),
	}).Debug("hbr request")
}

func (s *Service) serve(c *call) *rpc.Error {
	p, body, action, e := rpc.Begin(c.r, "HBR", APIVersion)
	c.action = action
	if e != nil {
		return e
	}
	c.p, c.body = p, body
	act, ok := actions[c.action]
	if !ok {
		return rpc.ErrUnknownAction(c.action)
	}
	s.mu.Lock()
	c.resource = s.target(act, p)
	s.mu.Unlock()
	log := s.log.WithFields(logrus.Fields{"action": c.action, "request_id": c.id})
	f, faulty := s.cfg.Faults.Match(ServiceName, c.action, c.resource)
	if faulty {
		reset, e := rpc.InjectFault(c.w, c.r, f, log, statusForCode, rpc.CodeForStatus)
		if reset {
			c.errCode = "ConnectionReset"
		}
		if reset || e != nil {
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
		c.errCode = "AnswerLost"
		rpc.LoseAnswer(c.w, c.r, log)
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
