// Package fsbackup decides, for one PersistentVolumeClaim in a Velero backup, who copies its data:
// Cloud Backup (HBR) file by file, an ECS snapshot taken by our VolumeSnapshotter, nobody, or a refusal
// in ACK Backup Center's words. The backup item action on claims asks Decide and acts on the answer;
// the decision itself reads only objects and the backup's volume policies, so it is tested here without
// a cluster.
//
// The decision, first row that applies wins:
//
//	claim                                  | decision | reason
//	---------------------------------------+----------+--------------------------------------------
//	not Bound, or no PV                    | Skip     | ReasonUnbound: no data yet
//	policy custom, parameters mover: hbr   | HBR      | ReasonPolicyHBR (any volume, disks too)
//	policy custom, other parameters        | Skip     | ReasonOtherCustomAction: another mover's
//	policy skip                            | Skip     | ReasonPolicySkip
//	policy fs-backup                       | Skip     | ReasonPolicyFSBackup: Velero's fs-backup
//	policy snapshot, Alibaba disk          | Snapshot | ReasonPolicySnapshot: our VolumeSnapshotter
//	policy snapshot, other volume          | Skip     | ReasonPolicySnapshot: Velero's snapshot path
//	Alibaba disk a pod opts into fs-backup | Skip     | ReasonVeleroFSBackup (Velero's own rule)
//	Alibaba disk, snapshotVolumes: false   | Skip     | ReasonSnapshotsDisabled
//	Alibaba disk                           | Snapshot | ReasonAlibabaDisk
//	other volume a Running pod opts into   |          |
//	  Velero's fs-backup                   | Skip     | ReasonVeleroFSBackup
//	other volume                           | HBR      | ReasonDefault (NAS, OSS, CPFS, NFS, local,
//	                                       |          | other clouds' drivers), whatever snapshotVolumes
//
// A claim HBR would take is then checked, in this order:
//
//	annotation csdr.io/skip-filesystem-backup: "true" | Skip   | ReasonOptOut
//	volumeMode Block                                  | Refuse | ReasonBlockMode
//	hostPath PV                                       | Refuse | ReasonHostPath
//
// snapshotVolumes: false leaves HBR on. HBR is not a snapshot: like Velero's own fs-backup, which also
// runs with snapshotVolumes false (the documented "--snapshot-volumes=false
// --default-volumes-to-fs-backup"), it copies files, and ACK Backup Center backs file volumes up with HBR
// whatever its disk-snapshot switch says. Users turn snapshots off to stop disk or CSI snapshots (a move
// to another cloud, a cost cap), not to lose their NAS data silently; a volume's data is left out with a
// policy skip or the claim's opt-out annotation.
//
// Velero's opt-in/opt-out fs-backup (defaultVolumesToFsBackup, the pods' backup.velero.io/backup-volumes
// and backup-volumes-excludes annotations) wins over the HBR default, so a volume is never copied twice.
// For a disk the rule is Velero's snapshot rule as it stands; for other volumes only a Running pod
// counts, and not with snapshotMoveData (which turns fs-backup off for claims): Velero's fs-backup
// skips those volumes, and HBR can still reach them through a temporary pod.
//
// Decide cannot stop Velero's own actions. With Velero's EnableCSI feature its CSI action also
// snapshots every CSI claim no policy names (and fails a NAS or OSS claim that has no
// VolumeSnapshotClass); a volume policy `custom` with `mover: hbr` for those drivers keeps Velero off
// them, because Velero neither snapshots nor fs-backs-up a volume a custom action matched.
package fsbackup
