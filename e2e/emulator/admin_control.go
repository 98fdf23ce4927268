package emulator

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/faults"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/svc"
)

// controlled is a service whose settings and clock the admin API reads and changes (ECS, HBR).
type controlled[S any] interface {
	Settings() S
	SetSettings(S) error
	Clock() svc.Clock
	AdvanceClock(time.Duration) (svc.Clock, error)
}

// controlAdmin serves GET and POST /_admin/{name}/settings and /_admin/{name}/clock; status gives the
// HTTP status of the service's errors.
func controlAdmin[S any](e *Emulator, mux *http.ServeMux, name string, s controlled[S], status func(error) int) {
	mux.HandleFunc("GET /_admin/"+name+"/settings", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Settings())
	})
	mux.HandleFunc("POST /_admin/"+name+"/settings", func(w http.ResponseWriter, r *http.Request) {
		// Decoding into the current settings makes a body naming one setting a partial update.
		set := s.Settings()
		if err := decodeJSON(r, &set); err != nil {
			adminError(w, http.StatusBadRequest, err)
			return
		}
		if err := s.SetSettings(set); err != nil {
			adminError(w, status(err), err)
			return
		}
		e.log.WithField("settings", set).Info("admin: " + name + " settings changed")
		writeJSON(w, http.StatusOK, set)
	})
	mux.HandleFunc("GET /_admin/"+name+"/clock", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Clock())
	})
	mux.HandleFunc("POST /_admin/"+name+"/clock", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Advance json.RawMessage `json:"advance"`
		}
		if err := decodeJSON(r, &req); err != nil {
			adminError(w, http.StatusBadRequest, err)
			return
		}
		d, err := faults.ParseJSONDuration(req.Advance)
		if err != nil {
			adminError(w, http.StatusBadRequest, err)
			return
		}
		clock, err := s.AdvanceClock(d)
		if err != nil {
			adminError(w, status(err), err)
			return
		}
		e.log.WithField("offset", clock.Offset).Info("admin: " + name + " clock advanced")
		writeJSON(w, http.StatusOK, clock)
	})
}
