// Package legacybackup writes a Velero backup the way a Kubernetes 1.16-era cluster left it in its
// vault: Velero v1.5 to v1.9, backup format 1.1.0, with neither EnableCSI nor EnableAPIGroupVersions.
// testdata/app holds such a cluster's application (ACK with FlexVolume disks and NAS, an Ingress in
// extensions/v1beta1, Docker Hub images, node pins, a LoadBalancer Service on a reused SLB) as
// annotated YAML; App loads it.
//
// A backup directory <prefix>/backups/<name>/ then holds what those Velero versions wrote and nothing
// that later ones added (no -results.gz, -itemoperations.json.gz or -volumeinfo.json.gz):
//
//	velero-backup.json              the Backup, Completed, as Velero's pretty JSON encoder wrote it
//	<name>.tar.gz                   metadata/version and every item, see resources.go
//	<name>-logs.gz                  the backup log
//	<name>-podvolumebackups.json.gz null: no restic
//	<name>-volumesnapshots.json.gz  native disk snapshots, or null
//	<name>-resource-list.json.gz    items by API version and kind
//
// Placing the fixture in the emulator's vault, next to a location of prefix "legacy":
//
//	store, err := env.cloud.OSS() // an oss.Client is an ObjectPutter
//	require.NoError(t, err)
//	objs, err := legacybackup.App()
//	require.NoError(t, err)
//	require.NoError(t, legacybackup.Write(ctx, store, bucket, "legacy", legacybackup.Backup{Name: "shop-2021", Objects: objs}))
package legacybackup
