package transform

import (
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
)

// BackupMarksRule is the name of the rule that removes what our backup actions left on items.
const BackupMarksRule = "backupMarks"

// BackupMarks removes the annotation our backup action puts on an item so Velero keeps the item's
// dependencies (backup.velero.io/must-include-additional-items). Velero 1.18 means to strip it before
// writing the item, but deletes it from a copy of the annotations, so the backup holds it; in a restored
// object it means nothing. Always on.
type BackupMarks struct{}

var _ Rule = BackupMarks{}

// NewBackupMarks returns the rule.
func NewBackupMarks() BackupMarks { return BackupMarks{} }

// Name returns the rule's name.
func (BackupMarks) Name() string { return BackupMarksRule }

// Apply removes the annotation. It runs on every restored item, so it reads the annotations in place
// rather than through GetAnnotations, which copies them.
func (BackupMarks) Apply(item Item, out *Outcome) error {
	meta, _ := item.Object.Object["metadata"].(map[string]any)
	annotations, _ := meta["annotations"].(map[string]any)
	if _, ok := annotations[velerov1.MustIncludeAdditionalItemAnnotation]; !ok {
		return nil
	}
	delete(annotations, velerov1.MustIncludeAdditionalItemAnnotation)
	if len(annotations) == 0 {
		delete(meta, "annotations")
	}
	out.Note(BackupMarksRule, "annotation %s removed: it told Velero what to back up with %s and means nothing in a restored object",
		velerov1.MustIncludeAdditionalItemAnnotation, Key(item.Object))
	return nil
}
