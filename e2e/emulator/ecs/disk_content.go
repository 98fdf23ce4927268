package ecs

import (
	"fmt"
	"strings"
)

// fillDisk gives a new disk its content: a copy of its source snapshot's, or nothing.
func (s *Service) fillDisk(d *Disk) *apiError {
	src := ""
	if d.SourceSnapshotID != "" {
		src = s.st.snapshotDir(d.SourceSnapshotID)
	}
	if err := s.st.fillContent(s.st.diskDir(d.ID), src); err != nil {
		return errInternal(fmt.Errorf("fill disk %s: %w", d.ID, err))
	}
	return nil
}

// captureContent gives a new snapshot a copy of src, the content of its disk or source snapshot.
func (s *Service) captureContent(snapshotID, src string) *apiError {
	if err := s.st.fillContent(s.st.snapshotDir(snapshotID), src); err != nil {
		return errInternal(fmt.Errorf("capture snapshot %s: %w", snapshotID, err))
	}
	return nil
}

// dropDiskContent removes a deleted disk's content; what cannot go now is swept at the next start.
func (s *Service) dropDiskContent(id string) {
	if err := removeContent(s.st.diskDir(id)); err != nil {
		s.log.WithError(err).WithField("disk_id", id).Warn("remove disk content")
	}
}

// DiskContent is a disk with its status and the directory that holds its bytes.
type DiskContent struct {
	DiskState
	DataDir string `json:"dataDir"`
}

// DiskContent returns a disk with the absolute path of its content directory.
func (s *Service) DiskContent(id string) (DiskContent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.st.disks[id]
	if d == nil {
		return DiskContent{}, fmt.Errorf("get disk %s: %w", id, ErrNotFound)
	}
	return s.contentOf(d), nil
}

func (s *Service) contentOf(d *Disk) DiskContent {
	return DiskContent{DiskState: DiskState{Disk: *d, Status: d.status(s.now())}, DataDir: s.st.diskDir(d.ID)}
}

// AttachDisk attaches a disk to an instance (in the harness, a node), as a CSI plugin's
// ControllerPublish would. Attaching to the instance that has it already is no change; a disk attached
// elsewhere is refused with ErrInUse, one still Creating with ErrNotReady.
func (s *Service) AttachDisk(id, instanceID string) (DiskContent, error) {
	return s.setAttachment(id, instanceID, true)
}

// DetachDisk detaches a disk from an instance. A disk attached to no instance is no change; one
// attached to another instance is refused with ErrInUse.
func (s *Service) DetachDisk(id, instanceID string) (DiskContent, error) {
	return s.setAttachment(id, instanceID, false)
}

func (s *Service) setAttachment(id, instanceID string, attach bool) (DiskContent, error) {
	verb := "detach"
	if attach {
		verb = "attach"
	}
	if strings.TrimSpace(instanceID) == "" {
		return DiskContent{}, fmt.Errorf("%s disk %s: %w: instanceId is required", verb, id, ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.st.disks[id]
	if d == nil {
		return DiskContent{}, fmt.Errorf("%s disk %s: %w", verb, id, ErrNotFound)
	}
	switch {
	case d.InstanceID != "" && d.InstanceID != instanceID:
		return DiskContent{}, fmt.Errorf("%s disk %s to %s: %w %s", verb, id, instanceID, ErrInUse, d.InstanceID)
	case attach && d.status(s.now()) == DiskCreating:
		return DiskContent{}, fmt.Errorf("attach disk %s to %s: %w: it is still %s", id, instanceID, ErrNotReady, DiskCreating)
	case attach == (d.InstanceID == instanceID):
		return s.contentOf(d), nil
	}
	before := d.InstanceID
	d.InstanceID = ""
	if attach {
		d.InstanceID = instanceID
	}
	if err := s.st.save(); err != nil {
		d.InstanceID = before
		return DiskContent{}, fmt.Errorf("%s disk %s: %w", verb, id, err)
	}
	return s.contentOf(d), nil
}
