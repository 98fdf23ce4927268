package fsbackup

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1api "k8s.io/api/core/v1"
	crclient "sigs.k8s.io/controller-runtime/pkg/client"

	velerov1api "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"github.com/vmware-tanzu/velero/pkg/builder"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
)

type decideCase struct {
	name   string
	pvc    *corev1api.PersistentVolumeClaim // nil: claimOf()
	pv     *corev1api.PersistentVolume      // nil: unbound
	pods   []corev1api.Pod
	backup func(*builder.BackupBuilder)
	rules  []map[string]any // the backup's volume policies; nil: none
	want   Action
	reason Reason
	params map[string]any
	disk   string
	source string
}

const (
	cpfsDriver    = "cpfsplugin.csi.alibabacloud.com" // CPFS 1.0; CPFS 2.0 mounts through the NAS driver
	foreignDriver = "ebs.csi.aws.com"
)

var (
	nas = func() *corev1api.PersistentVolume {
		return csiVolume(alibaba.NASCSIDriver, "nas-1.cn-hangzhou.nas.aliyuncs.com")
	}
	disk = func() *corev1api.PersistentVolume { return csiVolume(alibaba.DiskCSIDriver, "d-disk1") }
	nfs  = func() *corev1api.PersistentVolume {
		return volumeOf(corev1api.PersistentVolumeSource{NFS: &corev1api.NFSVolumeSource{Server: "10.0.0.2", Path: "/exports/data"}})
	}
	dvtfsb = func(b *builder.BackupBuilder) { b.DefaultVolumesToFsBackup(true) }
)

func TestDecideByVolumeKind(t *testing.T) {
	runDecide(t, []decideCase{
		{name: "CSI NAS goes through HBR", pv: nas(), want: HBR, reason: ReasonDefault, source: "csi " + alibaba.NASCSIDriver},
		{name: "CSI OSS goes through HBR", pv: csiVolume(alibaba.OSSCSIDriver, "bucket-a"), want: HBR, reason: ReasonDefault, source: "csi " + alibaba.OSSCSIDriver},
		{name: "CSI CPFS goes through HBR", pv: csiVolume(cpfsDriver, "cpfs-1"), want: HBR, reason: ReasonDefault, source: "csi " + cpfsDriver},
		{name: "another cloud's CSI driver goes through HBR", pv: csiVolume(foreignDriver, "vol-0abc"), want: HBR, reason: ReasonDefault, source: "csi " + foreignDriver},
		{name: "in-tree NFS goes through HBR", pv: nfs(), want: HBR, reason: ReasonDefault, source: "nfs"},
		{name: "local volume goes through HBR", pv: volumeOf(corev1api.PersistentVolumeSource{Local: &corev1api.LocalVolumeSource{Path: "/mnt/disks/ssd1"}}),
			want: HBR, reason: ReasonDefault, source: "local"},
		{name: "FlexVolume NAS goes through HBR", pv: flexVolume(alibaba.FlexNASDriver, map[string]string{"server": "nas-1", "path": "/"}),
			want: HBR, reason: ReasonDefault, source: "flexVolume " + alibaba.FlexNASDriver},
		{name: "CSI disk keeps its ECS snapshot", pv: disk(), want: Snapshot, reason: ReasonAlibabaDisk, disk: "d-disk1"},
		{name: "FlexVolume disk keeps its ECS snapshot", pv: flexVolume(alibaba.FlexDiskDriver, map[string]string{alibaba.FlexDiskIDOption: "d-flex1"}),
			want: Snapshot, reason: ReasonAlibabaDisk, disk: "d-flex1"},
		{name: "Block-mode disk keeps its ECS snapshot", pvc: claimOf(blockClaim), pv: blockVolume(disk()), want: Snapshot, reason: ReasonAlibabaDisk, disk: "d-disk1"},
		{name: "Block-mode foreign volume is refused", pvc: claimOf(blockClaim), pv: blockVolume(csiVolume(foreignDriver, "vol-0abc")), want: Refuse, reason: ReasonBlockMode},
		{name: "hostPath is refused", pv: volumeOf(corev1api.PersistentVolumeSource{HostPath: &corev1api.HostPathVolumeSource{Path: "/data"}}),
			want: Refuse, reason: ReasonHostPath, source: "hostPath"},
		{name: "pending claim is skipped", pvc: builder.ForPersistentVolumeClaim(appNS, claim).Phase(corev1api.ClaimPending).Result(), want: Skip, reason: ReasonUnbound},
		{name: "lost claim is skipped", pvc: claimOf(func(c *corev1api.PersistentVolumeClaim) { c.Status.Phase = corev1api.ClaimLost }), pv: nas(),
			want: Skip, reason: ReasonUnbound},
		{name: "bound claim whose volume is gone is skipped", want: Skip, reason: ReasonUnbound},
	})
}

func TestDecideOptOut(t *testing.T) {
	runDecide(t, []decideCase{
		{name: "opted-out NAS is skipped", pvc: claimOf(annotated(OptOutAnnotation, "true")), pv: nas(), want: Skip, reason: ReasonOptOut},
		{name: "opted-out disk keeps its snapshot", pvc: claimOf(annotated(OptOutAnnotation, "true")), pv: disk(), want: Snapshot, reason: ReasonAlibabaDisk, disk: "d-disk1"},
		{name: "opted-out disk the policy sends to HBR is skipped", pvc: claimOf(annotated(OptOutAnnotation, "true")), pv: disk(),
			rules: []map[string]any{rule(csiDriver(alibaba.DiskCSIDriver), policyCustom, moverHBR)}, want: Skip, reason: ReasonOptOut, params: moverHBR, disk: "d-disk1"},
		{name: "opt-out is the way out of a Block refusal", pvc: claimOf(blockClaim, annotated(OptOutAnnotation, "true")),
			pv: blockVolume(csiVolume(foreignDriver, "vol-0abc")), want: Skip, reason: ReasonOptOut},
		{name: "opt-out is the way out of a hostPath refusal", pvc: claimOf(annotated(OptOutAnnotation, "true")),
			pv: volumeOf(corev1api.PersistentVolumeSource{HostPath: &corev1api.HostPathVolumeSource{Path: "/data"}}), want: Skip, reason: ReasonOptOut},
		{name: "annotation false keeps HBR", pvc: claimOf(annotated(OptOutAnnotation, "false")), pv: nas(), want: HBR, reason: ReasonDefault},
	})
}

func TestDecideVolumePolicies(t *testing.T) {
	withParams := map[string]any{MoverParameter: MoverHBR, "speedLimit": "0:24:10240"}
	runDecide(t, []decideCase{
		{name: "disk with mover hbr goes through HBR", pv: disk(), rules: []map[string]any{rule(csiDriver(alibaba.DiskCSIDriver), policyCustom, moverHBR)},
			want: HBR, reason: ReasonPolicyHBR, params: moverHBR, disk: "d-disk1"},
		{name: "FlexVolume disk with mover HBR in capitals goes through HBR", pv: flexVolume(alibaba.FlexDiskDriver, map[string]string{alibaba.FlexDiskIDOption: "d-flex1"}),
			rules: []map[string]any{rule(map[string]any{"storageClass": []string{"files"}}, policyCustom, map[string]any{MoverParameter: "HBR"})},
			want:  HBR, reason: ReasonPolicyHBR, params: map[string]any{MoverParameter: "HBR"}, disk: "d-flex1"},
		{name: "Block-mode disk with mover hbr is refused", pvc: claimOf(blockClaim), pv: blockVolume(disk()),
			rules: []map[string]any{rule(csiDriver(alibaba.DiskCSIDriver), policyCustom, moverHBR)}, want: Refuse, reason: ReasonBlockMode, params: moverHBR, disk: "d-disk1"},
		{name: "claim labels select HBR with more parameters", pvc: claimOf(labelled("backup", "files")), pv: nas(),
			rules: []map[string]any{rule(map[string]any{"pvcLabels": map[string]string{"backup": "files"}}, policyCustom, withParams)},
			want:  HBR, reason: ReasonPolicyHBR, params: withParams},
		{name: "policy skip", pv: nfs(), rules: []map[string]any{rule(anyNFS, policySkip, nil)}, want: Skip, reason: ReasonPolicySkip},
		{name: "policy fs-backup", pv: nfs(), rules: []map[string]any{rule(anyNFS, policyFSBackup, nil)}, want: Skip, reason: ReasonPolicyFSBackup},
		{name: "policy snapshot on NAS", pv: nas(), rules: []map[string]any{rule(csiDriver(alibaba.NASCSIDriver), policySnapshot, nil)}, want: Skip, reason: ReasonPolicySnapshot},
		{name: "policy snapshot on a disk", pv: disk(), rules: []map[string]any{rule(csiDriver(alibaba.DiskCSIDriver), policySnapshot, nil)},
			want: Snapshot, reason: ReasonPolicySnapshot, disk: "d-disk1"},
		{name: "custom action for another mover", pv: nas(), rules: []map[string]any{rule(csiDriver(alibaba.NASCSIDriver), policyCustom, map[string]any{MoverParameter: "restic-ng"})},
			want: Skip, reason: ReasonOtherCustomAction, params: map[string]any{MoverParameter: "restic-ng"}},
		{name: "custom action without parameters", pv: nas(), rules: []map[string]any{rule(csiDriver(alibaba.NASCSIDriver), policyCustom, nil)},
			want: Skip, reason: ReasonOtherCustomAction},
		{name: "first matching policy wins", pv: nas(), rules: []map[string]any{
			rule(map[string]any{"storageClass": []string{"files"}}, policySkip, nil), rule(csiDriver(alibaba.NASCSIDriver), policyCustom, moverHBR)},
			want: Skip, reason: ReasonPolicySkip},
		{name: "no matching policy falls to the default", pv: nas(), rules: []map[string]any{rule(csiDriver(alibaba.DiskCSIDriver), policySkip, nil)},
			want: HBR, reason: ReasonDefault},
		{name: "pending claim is skipped whatever the policy", pvc: builder.ForPersistentVolumeClaim(appNS, claim).Phase(corev1api.ClaimPending).Result(),
			rules: []map[string]any{rule(map[string]any{"pvcPhase": []string{"Pending"}}, policyCustom, moverHBR)}, want: Skip, reason: ReasonUnbound},
	})
}

func TestDecideBackupSpec(t *testing.T) {
	noSnapshots := func(b *builder.BackupBuilder) { b.SnapshotVolumes(false) }
	runDecide(t, []decideCase{
		{name: "snapshotVolumes false keeps HBR for NAS", pv: nas(), backup: noSnapshots, want: HBR, reason: ReasonDefault},
		{name: "snapshotVolumes false leaves a disk without a snapshot", pv: disk(), backup: noSnapshots, want: Skip, reason: ReasonSnapshotsDisabled, disk: "d-disk1"},
		{name: "snapshotVolumes false keeps a policy's HBR for a disk", pv: disk(), backup: noSnapshots,
			rules: []map[string]any{rule(csiDriver(alibaba.DiskCSIDriver), policyCustom, moverHBR)}, want: HBR, reason: ReasonPolicyHBR, params: moverHBR, disk: "d-disk1"},
		{name: "defaultVolumesToFsBackup leaves a mounted NAS to Velero", pv: nas(), backup: dvtfsb,
			pods: []corev1api.Pod{podOf(appNS, corev1api.PodRunning)}, want: Skip, reason: ReasonVeleroFSBackup},
		{name: "defaultVolumesToFsBackup leaves a mounted disk to Velero", pv: disk(), backup: dvtfsb,
			pods: []corev1api.Pod{podOf(appNS, corev1api.PodRunning)}, want: Skip, reason: ReasonVeleroFSBackup, disk: "d-disk1"},
		{name: "defaultVolumesToFsBackup: a volume the pod excludes goes through HBR", pv: nas(), backup: dvtfsb,
			pods: []corev1api.Pod{podOf(appNS, corev1api.PodRunning, velerov1api.VolumesToExcludeAnnotation, "cache,"+podVol)}, want: HBR, reason: ReasonDefault},
		{name: "defaultVolumesToFsBackup: an unmounted NAS goes through HBR", pv: nas(), backup: dvtfsb, want: HBR, reason: ReasonDefault},
		{name: "defaultVolumesToFsBackup: a NAS of a pod that is not running goes through HBR", pv: nas(), backup: dvtfsb,
			pods: []corev1api.Pod{podOf(appNS, corev1api.PodPending)}, want: HBR, reason: ReasonDefault},
		{name: "defaultVolumesToFsBackup: a disk of a pod that is not running is still not snapshotted", pv: disk(), backup: dvtfsb,
			pods: []corev1api.Pod{podOf(appNS, corev1api.PodFailed)}, want: Skip, reason: ReasonVeleroFSBackup, disk: "d-disk1"},
		{name: "defaultVolumesToFsBackup with snapshotMoveData sends NAS to HBR", pv: nas(),
			backup: func(b *builder.BackupBuilder) { b.DefaultVolumesToFsBackup(true).SnapshotMoveData(true) },
			pods:   []corev1api.Pod{podOf(appNS, corev1api.PodRunning)}, want: HBR, reason: ReasonDefault},
		{name: "defaultVolumesToFsBackup: a pod of another namespace does not count", pv: nas(), backup: dvtfsb,
			pods: []corev1api.Pod{podOf("other", corev1api.PodRunning)}, want: HBR, reason: ReasonDefault},
		{name: "defaultVolumesToFsBackup yields to a policy's HBR", pv: nas(), backup: dvtfsb, pods: []corev1api.Pod{podOf(appNS, corev1api.PodRunning)},
			rules: []map[string]any{rule(csiDriver(alibaba.NASCSIDriver), policyCustom, moverHBR)}, want: HBR, reason: ReasonPolicyHBR, params: moverHBR},
		{name: "a pod's opt-in annotation leaves the volume to Velero", pv: nas(),
			pods: []corev1api.Pod{podOf(appNS, corev1api.PodRunning, velerov1api.VolumesToBackupAnnotation, podVol)}, want: Skip, reason: ReasonVeleroFSBackup},
		{name: "a pod's opt-in annotation naming other volumes keeps HBR", pv: nas(),
			pods: []corev1api.Pod{podOf(appNS, corev1api.PodRunning, velerov1api.VolumesToBackupAnnotation, "cache")}, want: HBR, reason: ReasonDefault},
	})
}

func runDecide(t *testing.T, cases []decideCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pvc := tc.pvc
			if pvc == nil {
				pvc = claimOf()
			}
			var objs []crclient.Object
			if tc.pv != nil {
				objs = append(objs, tc.pv)
			}
			b := builder.ForBackup(veleroNS, "nightly")
			if tc.backup != nil {
				tc.backup(b)
			}
			if tc.rules != nil {
				objs = append(objs, policyConfigMap(t, "volume-policies", tc.rules...))
				b.ResourcePolicies("volume-policies")
			}
			backup := b.Result()
			policies, err := NewPolicies(*backup, fakeClient(t, objs...), quietLog())
			require.NoError(t, err)

			d, err := Decide(Claim{PVC: pvc, PV: tc.pv, Pods: tc.pods}, backup, policies)
			require.NoError(t, err)

			assert.Equal(t, tc.want, d.Action, d.String())
			assert.Equal(t, tc.reason, d.Reason, d.String())
			assert.Equal(t, tc.params, d.Parameters)
			assert.Equal(t, tc.disk, d.DiskID)
			if tc.source != "" {
				assert.Equal(t, tc.source, d.Source)
			}
			assert.Contains(t, d.Detail, appNS+"/"+claim)
			if tc.want == Refuse {
				require.ErrorIs(t, d.Err(), ErrRefused)
				assert.Regexp(t, `^HBR backup request failed: claim app/data .+`, d.Err().Error())
			} else {
				assert.NoError(t, d.Err())
			}
		})
	}
}
