package emulator

import (
	"errors"
	"net/http"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/hbr"
)

// hbrAdmin serves the HBR part of the admin API:
//
//	POST   /_admin/hbr/agents                  register a node's hbr-client: {"cluster":"<AddContainerCluster Identifier>",
//	                                           "node":"<name>","ip":"192.0.2.10","region":"cn-hangzhou",
//	                                           "rootDir":"<host dir of the node's />","kubeletRoot":"/var/lib/kubelet"}
//	DELETE /_admin/hbr/agents/{cluster}/{node} unregister it: the node's jobs fail ClientNotExist
//	GET    /_admin/hbr/state                   vaults, clusters, agents, backup jobs, snapshots (with files), restore jobs,
//	                                           store {bytesWritten, bytesStored}, settings, clock, request counters
//	GET    /_admin/hbr/settings                the settings in force
//	POST   /_admin/hbr/settings                change some: {"throughput":"50MiB/s","jobStartDelay":"1s",
//	                                           "vaultInitDelay":"500ms","activated":false}; throughput 0 = unlimited
//	GET    /_admin/hbr/clock                   the HBR clock
//	POST   /_admin/hbr/clock                   move it forward: {"advance":"720h"} (expires snapshots by Retention)
//	DELETE /_admin/hbr/vaults/{id}             delete a vault as in the console: calls naming it answer
//	                                           400 IllegalRequest "Illegal request. Please modify the parameters"
func (e *Emulator) hbrAdmin(mux *http.ServeMux) {
	mux.HandleFunc("POST /_admin/hbr/agents", func(w http.ResponseWriter, r *http.Request) {
		var a hbr.Agent
		if err := decodeJSON(r, &a); err != nil {
			adminError(w, http.StatusBadRequest, err)
			return
		}
		added, err := e.hbr.AddAgent(a)
		if err != nil {
			adminError(w, hbrAdminStatus(err), err)
			return
		}
		e.log.WithFields(map[string]any{"cluster": a.Cluster, "node": a.Node}).Info("admin: hbr agent registered")
		writeJSON(w, http.StatusCreated, added)
	})
	mux.HandleFunc("DELETE /_admin/hbr/agents/{cluster}/{node}", func(w http.ResponseWriter, r *http.Request) {
		if err := e.hbr.RemoveAgent(r.PathValue("cluster"), r.PathValue("node")); err != nil {
			adminError(w, hbrAdminStatus(err), err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /_admin/hbr/state", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, e.hbr.State())
	})
	controlAdmin(e, mux, "hbr", e.hbr, hbrAdminStatus)
	mux.HandleFunc("DELETE /_admin/hbr/vaults/{id}", func(w http.ResponseWriter, r *http.Request) {
		if err := e.hbr.DeleteVault(r.PathValue("id")); err != nil {
			adminError(w, hbrAdminStatus(err), err)
			return
		}
		e.log.WithField("vault_id", r.PathValue("id")).Info("admin: hbr vault deleted")
		w.WriteHeader(http.StatusNoContent)
	})
}

func hbrAdminStatus(err error) int {
	switch {
	case errors.Is(err, hbr.ErrInvalid):
		return http.StatusBadRequest
	case errors.Is(err, hbr.ErrNotFound):
		return http.StatusNotFound
	default:
		return http.StatusInternalServerError
	}
}
