package backupaction

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"github.com/vmware-tanzu/velero/pkg/plugin/velero"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	crclient "sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/fsbackup"
)

// FilesystemVolumesName is the name the filesystem-volumes action is registered under.
const FilesystemVolumesName = "csdr.io/filesystem-volumes"

// Kube is the cluster as the filesystem-volumes action reaches it; kubeclient.Lazy is one.
type Kube interface {
	// Client reads claims, pods, volumes and volume policies and writes FilesystemBackups; its scheme
	// knows the csdr.io kinds.
	Client() (crclient.Client, error)
	// Discovery tells whether the cluster serves the csdr.io kinds at all.
	Discovery() (discovery.DiscoveryInterface, error)
	// Identity is this cluster's identity (pkg/clusteridentity), the source label of its records.
	Identity(ctx context.Context) (string, error)
}

// FilesystemVolumesAction is the v2 backup item action on claims that hands the files of every
// volume Cloud Backup (HBR) copies to csdr-controller: it creates one FilesystemBackup per such claim
// and returns its name as Velero's operation ID, so Velero waits for the controller's job and the
// finalizing pass can write the snapshot onto the claim in the backup.
type FilesystemVolumesAction struct {
	log  logrus.FieldLogger
	kube Kube
	now  func() time.Time

	mu sync.Mutex
	// served caches, per backup, whether the cluster serves FilesystemBackups: asked once per backup,
	// and the "not installed" warning is logged once per backup.
	served map[types.UID]bool
	pods   claimPods
}

var recordResource = v1alpha1.Resource("filesystembackups")

// NewFilesystemVolumesAction returns the action; now is the clock of Progress's Updated.
func NewFilesystemVolumesAction(log logrus.FieldLogger, kube Kube, now func() time.Time) *FilesystemVolumesAction {
	return &FilesystemVolumesAction{log: log, kube: kube, now: now, served: map[types.UID]bool{}}
}

// Name implements BackupItemAction v2; Velero answers it with the registered name.
func (a *FilesystemVolumesAction) Name() string { return FilesystemVolumesName }

// AppliesTo implements BackupItemAction v2.
func (a *FilesystemVolumesAction) AppliesTo() (velero.ResourceSelector, error) {
	return velero.ResourceSelector{IncludedResources: []string{"persistentvolumeclaims"}}, nil
}

// Execute implements BackupItemAction v2: the claim comes back annotated with its record; a claim that
// is not HBR's comes back unchanged.
func (a *FilesystemVolumesAction) Execute(item runtime.Unstructured, backup *velerov1.Backup) (
	runtime.Unstructured, []velero.ResourceIdentifier, string, []velero.ResourceIdentifier, error) {
	ctx := context.Background()
	pvc := &corev1.PersistentVolumeClaim{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(item.UnstructuredContent(), pvc); err != nil {
		return nil, nil, "", nil, fmt.Errorf("read persistentvolumeclaim: %w", err)
	}
	key := pvc.Namespace + "/" + pvc.Name
	log := a.log.WithFields(logrus.Fields{"backup": backup.Namespace + "/" + backup.Name, "claim": key})

	served, err := a.servesRecords(backup, log, key)
	if err != nil || !served {
		return item, nil, "", nil, err
	}
	c, err := a.kube.Client()
	if err != nil {
		return nil, nil, "", nil, err
	}
	if finalizing(backup) {
		// Velero backs up only post-operation items again, and the claim is none of them: were it one,
		// Velero would back up its PV again too, which v1.18.3's finalizer cannot (takePVSnapshot has no
		// volume helper there).
		return item, nil, "", nil, nil
	}
	rec, err := a.decide(ctx, c, pvc, backup, log)
	if err != nil || rec == nil {
		return item, nil, "", nil, err
	}
	out := annotate(item, map[string]string{v1alpha1.FilesystemBackupAnnotation: v1alpha1.FilesystemBackupRef(rec.Namespace, rec.Name)})
	// The record is backed up again once its operation ends, finished: the tarball carries the
	// snapshot to every cluster that restores the claim.
	post := []velero.ResourceIdentifier{{GroupResource: recordResource, Namespace: rec.Namespace, Name: rec.Name}}
	return out, nil, rec.Name, post, nil
}

// annotate returns a copy of the item with the annotations added. The item is kept unstructured so
// that fields this client does not know survive.
func annotate(item runtime.Unstructured, add map[string]string) runtime.Unstructured {
	obj := &unstructured.Unstructured{Object: runtime.DeepCopyJSON(item.UnstructuredContent())}
	annotations := obj.GetAnnotations()
	if annotations == nil {
		annotations = map[string]string{}
	}
	for k, v := range add {
		annotations[k] = v
	}
	obj.SetAnnotations(annotations)
	return obj
}

// finalizing reports whether Velero is backing up post-operation items again, when an operation ID
// is an error.
func finalizing(backup *velerov1.Backup) bool {
	p := backup.Status.Phase
	return p == velerov1.BackupPhaseFinalizing || p == velerov1.BackupPhaseFinalizingPartiallyFailed
}

// decide asks fsbackup whose the claim's data is and, when it is HBR's, creates its record.
func (a *FilesystemVolumesAction) decide(ctx context.Context, c crclient.Client, pvc *corev1.PersistentVolumeClaim,
	backup *velerov1.Backup, log logrus.FieldLogger) (*v1alpha1.FilesystemBackup, error) {
	claim, err := claimOf(ctx, c, &a.pods, backup, pvc)
	if err != nil {
		return nil, err
	}
	policies, err := fsbackup.NewPolicies(*backup, c, log)
	if err != nil {
		return nil, err
	}
	d, err := fsbackup.Decide(claim, backup, policies)
	if err != nil {
		return nil, err
	}
	log = log.WithFields(logrus.Fields{"decision": d.Action, "reason": d.Reason})
	switch d.Action {
	case fsbackup.Refuse:
		return nil, d.Err()
	case fsbackup.HBR:
	default:
		log.Info(d.Detail)
		return nil, nil
	}
	cluster, err := a.kube.Identity(ctx)
	if err != nil {
		// Unlabelled, the record's HBR snapshot could be deleted from any cluster sharing the vault.
		return nil, fmt.Errorf("label the filesystembackup of claim %s/%s with this cluster's identity: %w", pvc.Namespace, pvc.Name, err)
	}
	rec, err := newRecord(claim, backup, cluster)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", fsbackup.ErrRefused, err)
	}
	if err := ensureRecord(ctx, c, rec); err != nil {
		return nil, err
	}
	log.WithField("filesystembackup", rec.Namespace+"/"+rec.Name).Info(d.Detail)
	return rec, nil
}

// servesRecords tells whether csdr-controller's kinds are installed, asking the cluster once per
// backup. Without them the claim is left as the plugin alone always left it, with a warning.
func (a *FilesystemVolumesAction) servesRecords(backup *velerov1.Backup, log logrus.FieldLogger, claim string) (bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	served, asked := a.served[backup.UID]
	if !asked {
		var err error
		if served, err = a.askServed(); err != nil {
			return false, err
		}
		a.served[backup.UID] = served
	}
	if !served {
		msg := "csdr-controller is not installed: files of claim " + claim + " are not backed up"
		if asked {
			log.Info(msg)
		} else {
			log.Warn(msg)
		}
	}
	return served, nil
}
