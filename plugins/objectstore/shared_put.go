package objectstore

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/sirupsen/logrus"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/datalocation"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/vaultindex"
)

const uploadFailed = "upload backup files to OSS bucket failed"

// putShared writes a file of a backup in a shared vault: only under a name this cluster holds, and
// velero-backup.json with the backup's source and data locations.
func (o *ObjectStore) putShared(bucket, key, backup, file string, body io.Reader) error {
	ctx, cancel := context.WithTimeout(context.Background(), vaultOpTimeout)
	defer cancel()
	v := o.shared
	me, err := v.identity(ctx)
	if err != nil {
		return o.refuseUpload(bucket, key, body, fmt.Errorf("%s: %w", uploadFailed, err))
	}
	owner, err := v.claim(ctx, backup, me)
	if err != nil {
		return o.refuseUpload(bucket, key, body, operationFailed(o.cfg, uploadFailed, err))
	}
	if owner != me {
		v.log.WithFields(logrus.Fields{"backup": backup, "key": key, "sourceCluster": owner}).
			Warn("refused to write into another cluster's backup of the same name")
		return o.refuseUpload(bucket, key, body, nameTaken(backup, owner))
	}
	if file != vaultindex.MetadataFile {
		return o.put(bucket, key, body)
	}
	return o.putMetadata(ctx, bucket, key, backup, me, body)
}

// putMetadata writes velero-backup.json annotated with its source (and, once it has ended, where its
// volumes' data is), puts the source on the Backup here, and marks a Completed backup so the vault's
// other clusters see it.
func (o *ObjectStore) putMetadata(ctx context.Context, bucket, key, backup, me string, body io.Reader) error {
	v := o.shared
	log := v.log.WithField("backup", backup)
	data, err := io.ReadAll(io.LimitReader(body, v.metadataLimit+1))
	if err != nil {
		return o.refuseUpload(bucket, key, body, fmt.Errorf("%s: read %s from Velero: %w", uploadFailed, key, err))
	}
	if int64(len(data)) > v.metadataLimit {
		log.Warnf("%s is larger than %d bytes: written as it is, without the source cluster annotation", key, v.metadataLimit)
		return o.put(bucket, key, io.MultiReader(bytes.NewReader(data), body))
	}
	meta, err := parseBackupMetadata(data)
	if err != nil {
		log.WithError(err).Warn("velero-backup.json is not a Backup the plugin can read: written as it is, without the source cluster annotation")
		return o.put(bucket, key, bytes.NewReader(data))
	}
	annotations := o.backupAnnotations(ctx, log, backup, me, meta.phase)
	annotated, err := meta.withAnnotations(annotations)
	if err != nil {
		return fmt.Errorf("%s: %w", uploadFailed, err)
	}
	if err := o.put(bucket, key, bytes.NewReader(annotated)); err != nil {
		return err
	}
	// The Backup here is annotated only at Velero's first write of velero-backup.json, while the
	// backup controller still holds the Backup (phase InProgress). The last write comes from Velero's
	// finalizer: a change to the Backup then wakes the finalizer again, which may see the Backup still
	// Finalizing in its cache and finalize it twice (rewriting velero-backup.json and the tarball).
	if !ended(meta.phase) {
		source := map[string]string{v1alpha1.SourceClusterKey: me}
		if err := v.cluster.AnnotateBackup(ctx, backup, source); err != nil {
			log.WithError(err).Warn("could not annotate the Backup with its source cluster; the copy in the vault has it")
		}
	}
	if meta.phase == velerov1.BackupPhaseCompleted {
		if err := v.index.MarkCompleted(ctx, backup); err != nil {
			return operationFailed(o.cfg, uploadFailed, fmt.Errorf("make backup %q visible to the vault's other clusters: %w", backup, err))
		}
	}
	return nil
}

// backupAnnotations are the source cluster and, for an ended backup, its data locations; a lookup
// that fails leaves the locations out (the backup itself is fine) and says so.
func (o *ObjectStore) backupAnnotations(ctx context.Context, log logrus.FieldLogger, backup, me string, phase velerov1.BackupPhase) map[string]string {
	annotations := map[string]string{v1alpha1.SourceClusterKey: me}
	if !ended(phase) {
		return annotations
	}
	locs, err := o.shared.dataLocations(ctx, backup)
	if err == nil {
		var encoded string
		if encoded, err = datalocation.Encode(locs); err == nil {
			annotations[v1alpha1.DataLocationsAnnotation] = encoded
		}
	}
	if err != nil {
		log.WithError(err).Warnf("backup %s: could not list where its volumes' data is; annotation %s is left out", backup, v1alpha1.DataLocationsAnnotation)
	}
	return annotations
}
