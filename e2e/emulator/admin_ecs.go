package emulator

import (
	"errors"
	"net/http"

	"github.com/sirupsen/logrus"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/ecs"
)

// ecsAdmin serves the ECS part of the admin API:
//
//	POST /_admin/ecs/disks     create a disk fixture: {"region","zone","category","sizeGiB",...}; answers the disk
//	GET  /_admin/ecs/disks/{id}          the disk and "dataDir", the directory holding its bytes
//	POST /_admin/ecs/disks/{id}/attach   {"instanceId"}: attach it (409 when attached to another instance)
//	POST /_admin/ecs/disks/{id}/detach   {"instanceId"}: detach it (409 when attached to another instance)
//	GET  /_admin/ecs/state     regions, disks, snapshots, groups, settings, clock, request counters
//	GET  /_admin/ecs/settings  the durations in force
//	POST /_admin/ecs/settings  change some of them: {"snapshotDuration":"10s"}
//	GET  /_admin/ecs/clock     the ECS clock
//	POST /_admin/ecs/clock     move it forward: {"advance":"720h"}
func (e *Emulator) ecsAdmin(mux *http.ServeMux) {
	mux.HandleFunc("POST /_admin/ecs/disks", func(w http.ResponseWriter, r *http.Request) {
		var spec ecs.DiskSpec
		if err := decodeJSON(r, &spec); err != nil {
			adminError(w, http.StatusBadRequest, err)
			return
		}
		disk, err := e.ecs.AddDisk(spec)
		if err != nil {
			adminError(w, ecsAdminStatus(err), err)
			return
		}
		e.log.WithField("disk_id", disk.ID).Info("admin: ecs disk fixture added")
		writeJSON(w, http.StatusCreated, disk)
	})
	mux.HandleFunc("GET /_admin/ecs/disks/{id}", func(w http.ResponseWriter, r *http.Request) {
		disk, err := e.ecs.DiskContent(r.PathValue("id"))
		if err != nil {
			adminError(w, ecsAdminStatus(err), err)
			return
		}
		writeJSON(w, http.StatusOK, disk)
	})
	for verb, change := range map[string]func(id, instance string) (ecs.DiskContent, error){
		"attach": e.ecs.AttachDisk, "detach": e.ecs.DetachDisk,
	} {
		mux.HandleFunc("POST /_admin/ecs/disks/{id}/"+verb, func(w http.ResponseWriter, r *http.Request) {
			var req struct {
				InstanceID string `json:"instanceId"`
			}
			if err := decodeJSON(r, &req); err != nil {
				adminError(w, http.StatusBadRequest, err)
				return
			}
			disk, err := change(r.PathValue("id"), req.InstanceID)
			if err != nil {
				adminError(w, ecsAdminStatus(err), err)
				return
			}
			e.log.WithFields(logrus.Fields{"disk_id": disk.ID, "instance_id": req.InstanceID}).Info("admin: ecs disk " + verb)
			writeJSON(w, http.StatusOK, disk)
		})
	}
	mux.HandleFunc("GET /_admin/ecs/state", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, e.ecs.State())
	})
	controlAdmin(e, mux, "ecs", e.ecs, ecsAdminStatus)
}

func ecsAdminStatus(err error) int {
	switch {
	case errors.Is(err, ecs.ErrInvalid):
		return http.StatusBadRequest
	case errors.Is(err, ecs.ErrConflict), errors.Is(err, ecs.ErrInUse), errors.Is(err, ecs.ErrNotReady):
		return http.StatusConflict
	case errors.Is(err, ecs.ErrNotFound):
		return http.StatusNotFound
	default:
		return http.StatusInternalServerError
	}
}
